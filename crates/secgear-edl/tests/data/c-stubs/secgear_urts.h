/* Test stub: the secGear EDLs include it for the host's runtime API. */
#ifndef SECGEAR_URTS_H
#define SECGEAR_URTS_H
#endif
