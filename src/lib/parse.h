/*
 * parse -- the small value syntaxes users type: sizes ("256M"), numbers
 * with bounds, IPv4 addresses and CIDR prefixes, object names.
 * Each returns 0 or -EINVAL with a message naming the bad text.
 */
#ifndef STRATA_LIB_PARSE_H
#define STRATA_LIB_PARSE_H

#include <stdint.h>

#include "err.h"

/* "4096", "64k", "256M", "2G" (binary units, case-insensitive, optional
 * trailing "B" or "iB"). */
int parse_size(const char *s, uint64_t *out, struct err *e);

/* Decimal integer within [min, max]. */
int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out,
	      struct err *e);

/* Decimal fraction such as "0.5" or "2", within (0, max]. */
int parse_cpus(const char *s, double max, double *out, struct err *e);

/* Dotted quad to host-order address. */
int parse_ipv4(const char *s, uint32_t *out, struct err *e);

/* "10.77.0.0/16": network address (host bits must be zero) and prefix. */
int parse_cidr(const char *s, uint32_t *net, int *prefix, struct err *e);

/* Host-order address to dotted quad; buf needs 16 bytes. */
const char *ipv4_str(uint32_t a, char *buf);

static inline uint32_t ipv4_mask(int prefix)
{
	return prefix ? 0xffffffffu << (32 - prefix) : 0;
}

/* Names of containers, networks and templates: [a-zA-Z0-9][a-zA-Z0-9_.-]*,
 * at most @max characters. @what names the kind in the message. */
int parse_name(const char *s, int max, const char *what, struct err *e);

#endif
