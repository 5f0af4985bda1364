# Default appraisal policy for Huawei virtCCA confidential VMs. Without a
# platform token nothing binds the CVM key to the device certificate: the
# hardware claim is then "unrecognized" unless the appraisal data sets
# allow_unendorsed_cvm_key.
package secgear.appraisal

import rego.v1

ok(name) if input.checks[name].result == "ok"

freshness_failed if input.checks.freshness.result == "failed"

default hardware := 97

hardware := 2 if {
	ok("device_certificate")
	ok("endorsement")
}

hardware := 32 if {
	ok("device_certificate")
	not ok("endorsement")
	data.allow_unendorsed_cvm_key == true
}

default instance_identity := 96

instance_identity := 2 if {
	ok("signature")
	not freshness_failed
}

default executables := 33

executables := 2 if input.claims.rim in input.reference["virtcca.rim"]

trust_vector := {
	"instance-identity": instance_identity,
	"hardware": hardware,
	"executables": executables,
}
