/*
 * oci_features -- `strata oci features`: what this runtime implements, in
 * the shape of runtime-spec features.md, so callers can check before use.
 */
#include "ct/oci.h"

const char *oci_features_json(void)
{
	return "{\n"
	"  \"ociVersionMin\": \"1.0.0\",\n"
	"  \"ociVersionMax\": \"1.1.0\",\n"
	"  \"hooks\": [\"prestart\", \"createRuntime\", \"createContainer\", \"startContainer\",\n"
	"            \"poststart\", \"poststop\"],\n"
	"  \"mountOptions\": [\"async\", \"atime\", \"bind\", \"defaults\", \"dev\", \"diratime\",\n"
	"    \"dirsync\", \"exec\", \"idmap\", \"mand\", \"noatime\", \"nodev\", \"nodiratime\",\n"
	"    \"noexec\", \"nomand\", \"norelatime\", \"nostrictatime\", \"nosuid\", \"private\",\n"
	"    \"rbind\", \"relatime\", \"remount\", \"ridmap\", \"ro\", \"rprivate\", \"rshared\",\n"
	"    \"rslave\", \"runbindable\", \"rw\", \"shared\", \"slave\", \"strictatime\", \"suid\",\n"
	"    \"sync\", \"unbindable\"],\n"
	"  \"linux\": {\n"
	"    \"namespaces\": [\"cgroup\", \"ipc\", \"mount\", \"network\", \"pid\", \"user\", \"uts\"],\n"
	"    \"capabilities\": [\"CAP_CHOWN\", \"CAP_DAC_OVERRIDE\", \"CAP_DAC_READ_SEARCH\",\n"
	"      \"CAP_FOWNER\", \"CAP_FSETID\", \"CAP_KILL\", \"CAP_SETGID\", \"CAP_SETUID\",\n"
	"      \"CAP_SETPCAP\", \"CAP_LINUX_IMMUTABLE\", \"CAP_NET_BIND_SERVICE\",\n"
	"      \"CAP_NET_BROADCAST\", \"CAP_NET_ADMIN\", \"CAP_NET_RAW\", \"CAP_IPC_LOCK\",\n"
	"      \"CAP_IPC_OWNER\", \"CAP_SYS_MODULE\", \"CAP_SYS_RAWIO\", \"CAP_SYS_CHROOT\",\n"
	"      \"CAP_SYS_PTRACE\", \"CAP_SYS_PACCT\", \"CAP_SYS_ADMIN\", \"CAP_SYS_BOOT\",\n"
	"      \"CAP_SYS_NICE\", \"CAP_SYS_RESOURCE\", \"CAP_SYS_TIME\", \"CAP_SYS_TTY_CONFIG\",\n"
	"      \"CAP_MKNOD\", \"CAP_LEASE\", \"CAP_AUDIT_WRITE\", \"CAP_AUDIT_CONTROL\",\n"
	"      \"CAP_SETFCAP\", \"CAP_MAC_OVERRIDE\", \"CAP_MAC_ADMIN\", \"CAP_SYSLOG\",\n"
	"      \"CAP_WAKE_ALARM\", \"CAP_BLOCK_SUSPEND\", \"CAP_AUDIT_READ\", \"CAP_PERFMON\",\n"
	"      \"CAP_BPF\", \"CAP_CHECKPOINT_RESTORE\"],\n"
	"    \"cgroup\": { \"v1\": true, \"v2\": true, \"systemd\": false, \"systemdUser\": false },\n"
	"    \"seccomp\": {\n"
	"      \"enabled\": true,\n"
	"      \"actions\": [\"SCMP_ACT_ALLOW\", \"SCMP_ACT_ERRNO\", \"SCMP_ACT_KILL\",\n"
	"        \"SCMP_ACT_KILL_PROCESS\", \"SCMP_ACT_KILL_THREAD\", \"SCMP_ACT_LOG\",\n"
	"        \"SCMP_ACT_TRACE\", \"SCMP_ACT_TRAP\"],\n"
	"      \"operators\": [\"SCMP_CMP_EQ\", \"SCMP_CMP_GE\", \"SCMP_CMP_GT\", \"SCMP_CMP_LE\",\n"
	"        \"SCMP_CMP_LT\", \"SCMP_CMP_MASKED_EQ\", \"SCMP_CMP_NE\"],\n"
	"      \"archs\": [\"SCMP_ARCH_X86\", \"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X32\",\n"
	"        \"SCMP_ARCH_AARCH64\", \"SCMP_ARCH_RISCV64\"]\n"
	"    },\n"
	"    \"apparmor\": { \"enabled\": false },\n"
	"    \"selinux\": { \"enabled\": false }\n"
	"  },\n"
	"  \"annotations\": { \"org.strata.version\": \"0.1.0\" }\n"
	"}";
}
