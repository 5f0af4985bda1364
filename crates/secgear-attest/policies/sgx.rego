# Default appraisal policy for Intel SGX enclaves (DCAP quotes). The TCB
# status is Intel's verdict on the platform: UpToDate affirms; the
# SWHardening / Configuration statuses are warnings; OutOfDate and Revoked
# are refused. `data.accepted_tcb_statuses` (a list) accepts more.
package secgear.appraisal

import rego.v1

ok(name) if input.checks[name].result == "ok"

freshness_failed if input.checks.freshness.result == "failed"

genuine if {
	ok("signature")
	ok("qe_report.signature")
	ok("qe_report.binding")
	ok("endorsement")
	ok("collateral")
	ok("qe_identity")
	ok("tcb")
}

status := input.claims.tcb_status

accepted if status == "UpToDate"

accepted if status in data.accepted_tcb_statuses

warned if status in {"SWHardeningNeeded", "ConfigurationNeeded", "ConfigurationAndSWHardeningNeeded"}

hardware := 2 if {
	genuine
	accepted
} else := 32 if {
	genuine
	warned
} else := 96 if {
	genuine
} else := 97

default instance_identity := 96

instance_identity := 2 if {
	ok("signature")
	ok("qe_report.binding")
	not freshness_failed
}

default executables := 33

executables := 2 if input.claims.mrenclave in input.reference["sgx.mrenclave"]

executables := 2 if {
	not input.reference["sgx.mrenclave"]
	input.claims.mrsigner in input.reference["sgx.mrsigner"]
}

configuration := 96 if input.claims.debug == true else := 2

trust_vector := {
	"instance-identity": instance_identity,
	"hardware": hardware,
	"executables": executables,
	"configuration": configuration,
}
