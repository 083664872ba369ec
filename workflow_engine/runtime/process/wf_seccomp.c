/* wf_seccomp.c: the default system-call filter of wf-sandbox (the "seccomp" item of the
 * ISO argument, wf_isolate.c), like a container engine's RuntimeDefault profile.
 *
 * Installed in the program's process just before exec (after the init's own mounts),
 * while that process still has CAP_SYS_ADMIN (so no no_new_privs is needed). Calls that
 * reach the kernel's global state or other processes return EPERM: module loading,
 * kexec and reboot, mounting and namespaces (unshare, setns, clone with namespace flags,
 * the new mount API), keyrings, bpf and perf events, ptrace and cross-process memory
 * access, swap, accounting, clock setting, the kernel log, raw I/O ports,
 * open_by_handle_at and userfaultfd. As in container engines, a capability the
 * container keeps (`capabilities.add`) lets the calls it stands for through: SYS_ADMIN
 * the mount and namespace calls, SYS_PTRACE ptrace, SYS_MODULE modules, SYS_BOOT
 * reboot and kexec, SYS_TIME clocks, SYSLOG syslog, SYS_PACCT acct, SYS_RAWIO I/O
 * ports, DAC_READ_SEARCH open_by_handle_at, BPF bpf, PERFMON perf_event_open. clone3
 * returns ENOSYS (its flags cannot be inspected), so libc falls back to clone. System
 * calls of another architecture (32-bit, x32) return EPERM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wf_isolate.h"

#if defined(__x86_64__)
#define WF_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define WF_ARCH AUDIT_ARCH_AARCH64
#endif

/* capability numbers (linux/capability.h) */
enum {
    CAP_DAC_READ_SEARCH_ = 2,
    CAP_SYS_MODULE_ = 16,
    CAP_SYS_RAWIO_ = 17,
    CAP_SYS_PTRACE_ = 19,
    CAP_SYS_PACCT_ = 20,
    CAP_SYS_ADMIN_ = 21,
    CAP_SYS_BOOT_ = 22,
    CAP_SYS_TIME_ = 25,
    CAP_SYSLOG_ = 34,
    CAP_PERFMON_ = 38,
    CAP_BPF_ = 39,
    ALWAYS = -1, /* denied whatever the container keeps */
};

struct rule {
    long nr;
    int cap; /* kept capability that allows it, or ALWAYS */
};

static const struct rule rules[] = {
    {SYS_mount, CAP_SYS_ADMIN_},
    {SYS_umount2, CAP_SYS_ADMIN_},
    {SYS_pivot_root, CAP_SYS_ADMIN_},
    {SYS_unshare, CAP_SYS_ADMIN_},
    {SYS_setns, CAP_SYS_ADMIN_},
    {SYS_swapon, CAP_SYS_ADMIN_},
    {SYS_swapoff, CAP_SYS_ADMIN_},
    {SYS_quotactl, CAP_SYS_ADMIN_},
    {SYS_fanotify_init, CAP_SYS_ADMIN_},
    {SYS_lookup_dcookie, CAP_SYS_ADMIN_},
#ifdef SYS_fsopen
    {SYS_fsopen, CAP_SYS_ADMIN_},
    {SYS_fsconfig, CAP_SYS_ADMIN_},
    {SYS_fsmount, CAP_SYS_ADMIN_},
    {SYS_fspick, CAP_SYS_ADMIN_},
    {SYS_move_mount, CAP_SYS_ADMIN_},
    {SYS_open_tree, CAP_SYS_ADMIN_},
#endif
#ifdef SYS_mount_setattr
    {SYS_mount_setattr, CAP_SYS_ADMIN_},
#endif
    {SYS_keyctl, ALWAYS},
    {SYS_add_key, ALWAYS},
    {SYS_request_key, ALWAYS},
    {SYS_userfaultfd, ALWAYS},
    {SYS_bpf, CAP_BPF_},
    {SYS_perf_event_open, CAP_PERFMON_},
    {SYS_ptrace, CAP_SYS_PTRACE_},
    {SYS_process_vm_readv, CAP_SYS_PTRACE_},
    {SYS_process_vm_writev, CAP_SYS_PTRACE_},
    {SYS_kcmp, CAP_SYS_PTRACE_},
    {SYS_init_module, CAP_SYS_MODULE_},
    {SYS_finit_module, CAP_SYS_MODULE_},
    {SYS_delete_module, CAP_SYS_MODULE_},
    {SYS_kexec_load, CAP_SYS_BOOT_},
#ifdef SYS_kexec_file_load
    {SYS_kexec_file_load, CAP_SYS_BOOT_},
#endif
    {SYS_reboot, CAP_SYS_BOOT_},
    {SYS_acct, CAP_SYS_PACCT_},
    {SYS_clock_settime, CAP_SYS_TIME_},
    {SYS_settimeofday, CAP_SYS_TIME_},
    {SYS_clock_adjtime, CAP_SYS_TIME_},
    {SYS_syslog, CAP_SYSLOG_},
    {SYS_open_by_handle_at, CAP_DAC_READ_SEARCH_},
#ifdef SYS_iopl
    {SYS_iopl, CAP_SYS_RAWIO_},
    {SYS_ioperm, CAP_SYS_RAWIO_},
#endif
#ifdef SYS_uselib
    {SYS_uselib, ALWAYS},
#endif
#ifdef SYS_ustat
    {SYS_ustat, ALWAYS},
#endif
#ifdef SYS_sysfs
    {SYS_sysfs, ALWAYS},
#endif
};

#define NS_FLAGS                                                                                 \
    (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET |   \
     CLONE_NEWCGROUP)
#define MAX_PROG (4 + 2 * (int)(sizeof rules / sizeof *rules) + 16)
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARG0_LOW offsetof(struct seccomp_data, args[0])
#else
#define ARG0_LOW (offsetof(struct seccomp_data, args[0]) + 4)
#endif

static int kept(unsigned long long caps, int cap) { return cap != ALWAYS && (caps >> cap & 1); }

#ifdef WF_ARCH
/* the filter for a container keeping `caps`; returns its length */
static int build(struct sock_filter *prog, unsigned long long caps) {
    int n = 0;
    const __u32 deny = SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA);
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
    prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, WF_ARCH, 1, 0);
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, deny);
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
#ifdef __x86_64__
    prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1); /* x32 */
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, deny);
#endif
    for (size_t i = 0; i < sizeof rules / sizeof *rules; i++) {
        if (kept(caps, rules[i].cap)) continue;
        prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (__u32)rules[i].nr, 0, 1);
        prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, deny);
    }
    if (!kept(caps, CAP_SYS_ADMIN_)) {
#ifdef SYS_clone3
        prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 0, 1);
        prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
#endif
        prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 3);
        prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG0_LOW);
        prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, NS_FLAGS, 0, 1);
        prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, deny);
    }
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    return n;
}

int iso_seccomp(unsigned long long caps) {
    struct sock_filter prog[MAX_PROG];
    struct sock_fprog fprog = {(unsigned short)build(prog, caps), prog};
    return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog);
}
#else
int iso_seccomp(unsigned long long caps) {
    (void)caps;
    errno = ENOSYS;
    return -1;
}
#endif

/* in a child: does the filter load, and does it refuse what it should? */
int iso_probe_seccomp(void) {
    if (iso_seccomp(0)) return 0;
    errno = 0;
    if (syscall(SYS_keyctl, 0x7fff, 0, 0, 0, 0) != -1 || errno != EPERM) return 0;
    if (unshare(CLONE_NEWUTS) != -1 || errno != EPERM) return 0;
    return getpid() > 0; /* and the rest still works */
}
