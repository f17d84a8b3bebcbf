/*
 * oci -- the OCI runtime front door for main.c (`strata oci`, and the
 * `strata-runc` name).
 */
#ifndef STRATA_CT_OCI_H
#define STRATA_CT_OCI_H

int oci_main(int argc, char **argv);

/* The `features` document (runtime-spec features.md). */
const char *oci_features_json(void);

#endif
