/*
 * jsonf -- JSON state files.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs.h"
#include "jsonf.h"

json_t *jsonf_load(const char *path, struct err *e)
{
	json_error_t je;
	json_t *j;
	char *buf;
	size_t len;

	if (fs_read_file(path, &buf, &len, e) < 0)
		return NULL;
	j = json_loadb(buf, len, 0, &je);
	free(buf);
	if (!j)
		err_msg(e, -EINVAL, "%s: line %d: %s", path, je.line, je.text);
	return j;
}

int jsonf_save(const char *path, const json_t *j, struct err *e)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
	int ret;

	if (!s)
		return err_set(e, -ENOMEM, "serialise %s", path);
	ret = fs_write_atomic(path, s, strlen(s), e);
	free(s);
	return ret;
}

const char *jsonf_str(const json_t *o, const char *key, const char *def)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : def;
}

long long jsonf_int(const json_t *o, const char *key, long long def)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? json_integer_value(v) : def;
}

double jsonf_real(const json_t *o, const char *key, double def)
{
	json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : def;
}
