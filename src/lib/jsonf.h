/*
 * jsonf -- JSON files on disk (jansson), saved atomically.
 */
#ifndef STRATA_LIB_JSONF_H
#define STRATA_LIB_JSONF_H

#include <jansson.h>

#include "err.h"

/* Load and parse @path; returns a new reference or NULL with @e set
 * (-ENOENT when the file does not exist). */
json_t *jsonf_load(const char *path, struct err *e);

/* Serialise @j and write it atomically (write + fsync + rename). */
int jsonf_save(const char *path, const json_t *j, struct err *e);

/* Field getters that tolerate absence: return @def when missing or of
 * the wrong type. */
const char *jsonf_str(const json_t *o, const char *key, const char *def);
long long jsonf_int(const json_t *o, const char *key, long long def);
double jsonf_real(const json_t *o, const char *key, double def);

#endif
