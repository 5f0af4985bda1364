# Default appraisal policy for Arm CCA realms: the platform token must be
# signed by a trusted CPAK, the realm token by the RAK the platform vouches
# for, the challenge must match, and the realm (and platform, where
# references exist) must match reference values.
package secgear.appraisal

import rego.v1

ok(name) if input.checks[name].result == "ok"

freshness_failed if input.checks.freshness.result == "failed"

default hardware := 97

hardware := 2 if {
	ok("platform.signature")
	ok("platform.endorsement")
}

default instance_identity := 96

instance_identity := 2 if {
	ok("realm.signature")
	ok("realm.binding")
	not freshness_failed
}

realm := input.claims.realm

realm_matches if {
	some ref in input.reference["cca.realm"]
	ref.rim == realm.rim
	ref.rem == realm.rem
	ref.personalization == realm.personalization
	ref.rak_hash_algorithm == realm.rak_hash_algorithm
}

realm_matches if realm.rim in input.reference["cca.rim"]

default executables := 33

executables := 2 if realm_matches

platform := input.claims.platform

components(list) := {[c.type, c.measurement, c.signer] | some c in list}

platform_matches if {
	some ref in input.reference["cca.platform"]
	ref.implementation_id == platform.implementation_id
	ref.config == platform.config
	components(ref.sw_components) == components(platform.sw_components)
}

default configuration := 33

configuration := 2 if platform_matches

trust_vector := {
	"instance-identity": instance_identity,
	"hardware": hardware,
	"executables": executables,
	"configuration": configuration,
}
