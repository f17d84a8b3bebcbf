/*
 * i8042 -- the PC keyboard controller, reduced to what a guest kernel
 * needs to probe it and to reset the machine through it (Linux
 * `reboot=k`), as Firecracker's devices/legacy/i8042.rs does.
 *
 * Ports (offsets in the 0x60..0x64 range): 0 data, 4 status on read and
 * command on write.  Commands: 0x20 read the configuration byte, 0x60
 * write it, 0xaa self test (0x55), 0xab/0xa9 interface tests (0x00),
 * 0xad/0xae and 0xa7/0xa8 (disable/enable ports, accepted), 0xd1 write
 * the output port (bit 0 clear pulses reset), 0xfe pulse reset.  Reset
 * asks the machine to stop; `strata vm run` then exits 0.  Bytes written
 * to the data port with no command pending go to the keyboard, which
 * answers 0xfa (ACK).  Offsets 1..3 (port 0x61 and friends) read 0.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dev/i8042.h"

#define ST_OBF		0x01	/* output buffer full */
#define ST_SYS		0x04	/* system flag: self test passed */
#define ST_CMD		0x08	/* last write was a command */

#define CMD_READ_CTR	0x20
#define CMD_WRITE_CTR	0x60
#define CMD_AUX_OFF	0xa7
#define CMD_AUX_ON	0xa8
#define CMD_AUX_TEST	0xa9
#define CMD_SELF_TEST	0xaa
#define CMD_KBD_TEST	0xab
#define CMD_KBD_OFF	0xad
#define CMD_KBD_ON	0xae
#define CMD_WRITE_OUT	0xd1
#define CMD_RESET	0xfe

struct i8042 {
	struct dev_host host;
	uint8_t status, ctr, outb, pending;	/* pending: command awaiting data */
};

static void i8042_out(struct i8042 *k, uint8_t v)
{
	k->outb = v;
	k->status |= ST_OBF;
}

static void i8042_reset_machine(struct i8042 *k)
{
	if (k->host.stop)
		k->host.stop(k->host.ctx, DEV_STOP_RESET, 0);
}

static void i8042_command(struct i8042 *k, uint8_t cmd)
{
	k->status |= ST_CMD;
	switch (cmd) {
	case CMD_READ_CTR:
		i8042_out(k, k->ctr);
		break;
	case CMD_WRITE_CTR:
	case CMD_WRITE_OUT:
		k->pending = cmd;
		break;
	case CMD_SELF_TEST:
		k->status |= ST_SYS;
		i8042_out(k, 0x55);
		break;
	case CMD_AUX_TEST:
	case CMD_KBD_TEST:
		i8042_out(k, 0x00);
		break;
	case CMD_RESET:
		i8042_reset_machine(k);
		break;
	default:	/* port enables/disables and the rest: accepted */
		break;
	}
}

static void i8042_data(struct i8042 *k, uint8_t v)
{
	uint8_t cmd = k->pending;

	k->status &= ~ST_CMD;
	k->pending = 0;
	if (cmd == CMD_WRITE_CTR)
		k->ctr = v;
	else if (cmd == CMD_WRITE_OUT && !(v & 1))
		i8042_reset_machine(k);
	else if (!cmd)
		i8042_out(k, 0xfa);	/* keyboard ACK */
}

static void i8042_pio_read(void *dev, uint64_t off, void *data, unsigned int len)
{
	struct i8042 *k = dev;
	uint8_t v = 0;

	if (off == 0) {
		v = k->outb;
		k->status &= ~ST_OBF;
	} else if (off == 4) {
		v = k->status;
	}
	memset(data, v, len);
}

static void i8042_pio_write(void *dev, uint64_t off, const void *data, unsigned int len)
{
	struct i8042 *k = dev;
	uint8_t v = *(const uint8_t *)data;

	if (off == 0)
		i8042_data(k, v);
	else if (off == 4)
		i8042_command(k, v);
}

static void i8042_reset(void *dev)
{
	struct i8042 *k = dev;

	k->status = ST_SYS;
	k->ctr = 0x45;	/* kbd interrupt on, translation on, system flag */
	k->outb = 0;
	k->pending = 0;
}

static void i8042_destroy(void *dev)
{
	free(dev);
}

static const struct dev_ops i8042_ops = {
	.name = "i8042",
	.min_width = 1,
	.max_width = 1,
	.pio_read = i8042_pio_read,
	.pio_write = i8042_pio_write,
	.reset = i8042_reset,
	.destroy = i8042_destroy,
};

int i8042_create(const struct dev_host *host, struct dev_ref *out, struct err *e)
{
	struct i8042 *k = calloc(1, sizeof(*k));

	if (!k)
		return err_set(e, -ENOMEM, "i8042");
	k->host = *host;
	i8042_reset(k);
	out->ops = &i8042_ops;
	out->dev = k;
	return 0;
}
