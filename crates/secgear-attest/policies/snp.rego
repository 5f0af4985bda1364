# Default appraisal policy for AMD SEV-SNP guests: a report signed by a
# VCEK / VLEK that chains to an AMD root and was issued for the report's
# TCB; debug-enabled guests are refused; the launch measurement must be a
# reference value.
package secgear.appraisal

import rego.v1

ok(name) if input.checks[name].result == "ok"

freshness_failed if input.checks.freshness.result == "failed"

hardware := 2 if {
	ok("collateral")
	ok("endorsement")
	ok("tcb")
} else := 97

default instance_identity := 96

instance_identity := 2 if {
	ok("signature")
	not freshness_failed
}

default executables := 33

executables := 2 if input.claims.measurement in input.reference["snp.measurement"]

configuration := 96 if input.claims.policy.debug == true else := 2

trust_vector := {
	"instance-identity": instance_identity,
	"hardware": hardware,
	"executables": executables,
	"configuration": configuration,
}
