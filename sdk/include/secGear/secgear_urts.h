/* secgear-rs: included by EDL files; nothing is needed on the simulation TEE. */
#ifndef _SECGEAR_URTS_H_
#define _SECGEAR_URTS_H_
#endif
