# Default appraisal policy for AWS Nitro Enclaves: a document signed by a
# certificate that chains to the AWS Nitro root; PCR0 (the enclave image)
# must be a reference value. An enclave in debug mode reports all-zero PCRs
# and is refused.
package secgear.appraisal

import rego.v1

ok(name) if input.checks[name].result == "ok"

freshness_failed if input.checks.freshness.result == "failed"

hardware := 2 if ok("endorsement") else := 97

default instance_identity := 96

instance_identity := 2 if {
	ok("signature")
	not freshness_failed
}

default executables := 33

executables := 2 if input.claims.pcrs["0"] in input.reference["nitro.pcr0"]


zero_pcr0 if {
	pcr0 := input.claims.pcrs["0"]
	count(pcr0) > 0
	regex.match("^0+$", pcr0)
}

configuration := 96 if zero_pcr0 else := 2

trust_vector := {
	"instance-identity": instance_identity,
	"hardware": hardware,
	"executables": executables,
	"configuration": configuration,
}
