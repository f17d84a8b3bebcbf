/*
 * qcow2 -- placeholder until the qcow2 backend lands: qcow2 images are
 * recognised and refused.
 */
#include <errno.h>

#include "disk/disk_impl.h"

int qcow2_open(int fd, const char *path, int readonly, int depth,
	       struct disk **out, struct err *e)
{
	return err_msg(e, -ENOTSUP, "qcow2 not supported yet");
}
