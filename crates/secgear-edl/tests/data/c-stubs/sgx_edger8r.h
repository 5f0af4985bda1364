/* Test stub: edger8r's runtime header, which the secGear switchless EDL includes. */
#ifndef SGX_EDGER8R_H
#define SGX_EDGER8R_H
#endif
