# Default appraisal policy for Intel TDX trust domains (DCAP quotes). TCB
# statuses as for SGX: UpToDate affirms, SWHardening / Configuration
# statuses warn, OutOfDate and Revoked are refused; `data.accepted_tcb_statuses`
# accepts more. An event log that does not replay to the RTMRs refuses the
# executables claim; a debug TD (the `debug` claim: any TUD bit of the
# `td_attributes` claim) the configuration claim. A failed `td_attributes`
# check (migratable, no SEPT_VE_DISABLE...) sets configuration 96 whatever
# the policy says.
package secgear.appraisal

import rego.v1

ok(name) if input.checks[name].result == "ok"

failed(name) if input.checks[name].result == "failed"

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
	not failed("freshness")
}

# Each register a reference names must match one of its values.
pinned(name) if {
	refs := input.reference[concat(".", ["tdx", name])]
	input.claims[name] in refs
}

pinned(name) if not input.reference[concat(".", ["tdx", name])]

executables := 96 if failed("event_log") else := 2 if {
	input.claims.mrtd in input.reference["tdx.mrtd"]
	every name in ["rtmr0", "rtmr1", "rtmr2", "rtmr3"] {
		pinned(name)
	}
} else := 33

configuration := 96 if input.claims.debug == true else := 2

trust_vector := {
	"instance-identity": instance_identity,
	"hardware": hardware,
	"executables": executables,
	"configuration": configuration,
}
