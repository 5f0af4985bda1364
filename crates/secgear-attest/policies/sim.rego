# Default appraisal policy for the simulation TEE.
# Simulated evidence is never hardware-backed: in production mode the
# hardware claim is always contraindicated, so the result never affirms.
package secgear.appraisal

import rego.v1

ok(name) if input.checks[name].result == "ok"

freshness_failed if input.checks.freshness.result == "failed"

default hardware := 97

hardware := 2 if {
	input.mode == "development"
	ok("signature")
	ok("endorsement")
}

default instance_identity := 96

instance_identity := 2 if {
	ok("signature")
	ok("endorsement")
	not freshness_failed
}

default executables := 33

executables := 2 if input.claims.measurement in input.reference["sim.measurement"]

default configuration := 32

configuration := 2 if input.claims.debug == false

configuration := 2 if input.mode == "development"

trust_vector := {
	"instance-identity": instance_identity,
	"hardware": hardware,
	"executables": executables,
	"configuration": configuration,
}
