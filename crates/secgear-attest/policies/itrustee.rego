# Default appraisal policy for iTrustee TAs: report signed by an AK whose
# certificate chains to a trusted root, fresh nonce, and the TA image (and
# memory, where references exist) matching reference values.
package secgear.appraisal

import rego.v1

ok(name) if input.checks[name].result == "ok"

freshness_failed if input.checks.freshness.result == "failed"

default hardware := 97

hardware := 2 if {
	ok("endorsement")
}

default instance_identity := 96

instance_identity := 2 if {
	ok("signature")
	not freshness_failed
}

mem_ok if not input.reference["itrustee.ta_mem"]

mem_ok if input.claims.ta_mem in input.reference["itrustee.ta_mem"]

default executables := 33

executables := 2 if {
	input.claims.ta_img in input.reference["itrustee.ta_img"]
	mem_ok
}

trust_vector := {
	"instance-identity": instance_identity,
	"hardware": hardware,
	"executables": executables,
}
