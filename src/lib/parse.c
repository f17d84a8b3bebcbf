/*
 * parse -- value syntaxes of the command line.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

int parse_size(const char *s, uint64_t *out, struct err *e)
{
	unsigned long long v;
	char *end;
	int shift = 0;

	if (!s || !isdigit((unsigned char)*s))
		return err_msg(e, -EINVAL, "bad size '%s'", s ? s : "");
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return err_msg(e, -EINVAL, "bad size '%s'", s);
	switch (tolower((unsigned char)*end)) {
	case '\0': break;
	case 'k': shift = 10; end++; break;
	case 'm': shift = 20; end++; break;
	case 'g': shift = 30; end++; break;
	case 't': shift = 40; end++; break;
	default:
		return err_msg(e, -EINVAL, "bad size '%s'", s);
	}
	if (shift && tolower((unsigned char)*end) == 'i')
		end++;
	if (shift && tolower((unsigned char)*end) == 'b')
		end++;
	if (*end || (shift && v > (UINT64_MAX >> shift)))
		return err_msg(e, -EINVAL, "bad size '%s'", s);
	*out = (uint64_t)v << shift;
	return 0;
}

int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out,
	      struct err *e)
{
	unsigned long long v;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return err_msg(e, -EINVAL, "bad number '%s'", s ? s : "");
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return err_msg(e, -EINVAL, "bad number '%s'", s);
	if (v < min || v > max)
		return err_msg(e, -ERANGE, "%s is out of range (%llu to %llu)", s,
			       (unsigned long long)min, (unsigned long long)max);
	*out = v;
	return 0;
}

int parse_cpus(const char *s, double max, double *out, struct err *e)
{
	char *end;
	double v;

	if (!s || !(isdigit((unsigned char)*s) || *s == '.') ||
	    strspn(s, "0123456789.") != strlen(s))
		return err_msg(e, -EINVAL, "bad CPU count '%s'", s ? s : "");
	v = strtod(s, &end);
	if (*end)
		return err_msg(e, -EINVAL, "bad CPU count '%s'", s);
	if (!(v >= 0.01 && v <= max))
		return err_msg(e, -ERANGE, "CPU count %s is out of range (0.01 to %g)",
			       s, max);
	*out = v;
	return 0;
}

int parse_ipv4(const char *s, uint32_t *out, struct err *e)
{
	struct in_addr a;

	if (!s || inet_pton(AF_INET, s, &a) != 1)
		return err_msg(e, -EINVAL, "bad IPv4 address '%s'", s ? s : "");
	*out = ntohl(a.s_addr);
	return 0;
}

int parse_cidr(const char *s, uint32_t *net, int *prefix, struct err *e)
{
	char addr[32];
	const char *slash = s ? strchr(s, '/') : NULL;
	uint64_t p;
	struct err sub;

	if (!slash || (size_t)(slash - s) >= sizeof(addr))
		return err_msg(e, -EINVAL, "bad CIDR '%s': expected ADDRESS/PREFIX",
			       s ? s : "");
	memcpy(addr, s, slash - s);
	addr[slash - s] = '\0';
	if (parse_ipv4(addr, net, &sub) < 0 ||
	    parse_u64(slash + 1, 8, 30, &p, &sub) < 0)
		return err_msg(e, -EINVAL, "bad CIDR '%s': %s", s, sub.msg);
	*prefix = (int)p;
	if (*net & ~ipv4_mask(*prefix))
		return err_msg(e, -EINVAL, "bad CIDR '%s': host bits are set", s);
	return 0;
}

const char *ipv4_str(uint32_t a, char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
		 a & 255);
	return buf;
}

int parse_name(const char *s, int max, const char *what, struct err *e)
{
	const char *p;

	if (!s || !*s)
		return err_msg(e, -EINVAL, "%s name is empty", what);
	if ((int)strlen(s) > max)
		return err_msg(e, -EINVAL, "%s name '%s' is longer than %d characters",
			       what, s, max);
	if (!isalnum((unsigned char)s[0]))
		return err_msg(e, -EINVAL, "%s name '%s' must start with a letter or digit",
			       what, s);
	for (p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
			return err_msg(e, -EINVAL,
				       "%s name '%s' may hold only letters, digits, '_', '.' and '-'",
				       what, s);
	return 0;
}
