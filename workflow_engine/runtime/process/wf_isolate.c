/* wf_isolate.c: the container boundary of wf-sandbox (wf_sandbox.c), built for each
 * container process from the ISO argument the runtime passes (sandbox.py, isolation.py):
 *
 *   cgroups   the shim writes itself into each cgroup.procs before anything else, so the
 *             program and all its descendants are charged there (limits set by cgroups.py)
 *   pid       a PID namespace: the shim's first child is PID 1 there (an init that mounts
 *             the namespace's own /proc, starts the program, reaps orphans and exits with
 *             the program's code, which tears the namespace down)
 *   uts ipc   own hostname (the pod's name) and System V IPC / POSIX queues
 *   net       a network namespace with only `lo`, brought up here
 *   dev       a tmpfs /dev with null, zero, full, random, urandom, tty, shm, fd links and
 *             a private devpts (pts/, ptmx) for pseudo-terminals
 *             instead of the host's /dev (no disks, no /dev/mem)
 *   userns    the program's process is made in a user namespace (iso_fork_program) that
 *             maps container ids 0..65535 to host ids BASE..BASE+65535: root there is an
 *             unprivileged user on the host for every file it reaches. The mount, PID,
 *             UTS, IPC and network namespaces stay owned by the host's user namespace
 *             (they were made before, as root), so its root cannot change its mounts.
 *   seccomp   the default system-call filter (wf_seccomp.c), installed just before exec
 *   uid gid group caps nnp
 *             in the program's process just before exec: supplementary groups, gid, uid,
 *             the capability bounding set and the kept capabilities, no_new_privs
 */
#define _GNU_SOURCE
#include "wf_isolate.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

void iso_parse(char *text, struct iso *iso) {
    memset(iso, 0, sizeof *iso);
    if (strcmp(text, "-") == 0) return;
    for (char *save = NULL, *item = strtok_r(text, ",", &save); item;
         item = strtok_r(NULL, ",", &save)) {
        char *value = strchr(item, '=');
        if (value) *value++ = '\0';
        if (!strcmp(item, "pid")) iso->pid = 1;
        else if (!strcmp(item, "ipc")) iso->ipc = 1;
        else if (!strcmp(item, "net")) iso->net = 1;
        else if (!strcmp(item, "dev")) iso->dev = 1;
        else if (!strcmp(item, "nnp")) iso->nnp = 1;
        else if (!strcmp(item, "seccomp")) iso->seccomp = 1;
        else if (!strcmp(item, "userns") && value)
            iso->userns = 1, iso->userns_base = strtoul(value, NULL, 10);
        else if (!strcmp(item, "uts") && value) iso->uts = 1, iso->hostname = value;
        else if (!strcmp(item, "uid") && value) iso->has_uid = 1, iso->uid = (uid_t)strtoul(value, NULL, 10);
        else if (!strcmp(item, "gid") && value) iso->has_gid = 1, iso->gid = (gid_t)strtoul(value, NULL, 10);
        else if (!strcmp(item, "group") && value && iso->ngroups < ISO_MAX_GROUPS)
            iso->groups[iso->ngroups++] = (gid_t)strtoul(value, NULL, 10);
        else if (!strcmp(item, "caps") && value) iso->has_caps = 1, iso->caps = strtoull(value, NULL, 16);
        else if (!strcmp(item, "cg") && value && iso->ncgroups < ISO_MAX_CGROUPS)
            iso->cgroups[iso->ncgroups++] = value;
        else {
            errno = EINVAL;
            fail("isolation argument");
        }
    }
}

static int userns_fd = -1; /* the user namespace the program joins (iso_make_userns) */

static void join_cgroup(const char *procs) {
    int fd = open(procs, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "0", 1) != 1) fail("join cgroup");
    close(fd);
}

static void loopback_up(void) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) fail("socket");
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    if (ioctl(fd, SIOCGIFFLAGS, &ifr)) fail("loopback");
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (ioctl(fd, SIOCSIFFLAGS, &ifr)) fail("loopback");
    close(fd);
}

void iso_enter(const struct iso *iso) {
    for (int i = 0; i < iso->ncgroups; i++) join_cgroup(iso->cgroups[i]);
    /* before the PID namespace (its child would be that namespace's init) and chroot */
    if (iso->userns) userns_fd = iso_make_userns(iso->userns_base);
    int flags = (iso->pid ? CLONE_NEWPID : 0) | (iso->uts ? CLONE_NEWUTS : 0) |
                (iso->ipc ? CLONE_NEWIPC : 0) | (iso->net ? CLONE_NEWNET : 0);
    if (flags && unshare(flags)) fail("unshare namespaces");
    if (iso->uts && sethostname(iso->hostname, strlen(iso->hostname))) fail("sethostname");
    if (iso->net) loopback_up();
}

struct node {
    const char *name;
    unsigned major, minor;
};

static const struct node nodes[] = {{"null", 1, 3},   {"zero", 1, 5},    {"full", 1, 7},
                                    {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};
static const char *const links[][2] = {{"fd", "/proc/self/fd"},
                                       {"stdin", "/proc/self/fd/0"},
                                       {"stdout", "/proc/self/fd/1"},
                                       {"stderr", "/proc/self/fd/2"}};

void iso_make_dev(const char *root) {
    char dev[4096], path[4200];
    snprintf(dev, sizeof dev, "%s/dev", root);
    if (mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755,size=65536k"))
        fail("mount /dev");
    mode_t mask = umask(0);
    for (size_t i = 0; i < sizeof nodes / sizeof *nodes; i++) {
        snprintf(path, sizeof path, "%s/%s", dev, nodes[i].name);
        if (mknod(path, S_IFCHR | 0666, makedev(nodes[i].major, nodes[i].minor))) fail(path);
    }
    for (size_t i = 0; i < sizeof links / sizeof *links; i++) {
        snprintf(path, sizeof path, "%s/%s", dev, links[i][0]);
        if (symlink(links[i][1], path)) fail(path);
    }
    snprintf(path, sizeof path, "%s/shm", dev);
    if (mkdir(path, 01777)) fail(path);
    snprintf(path, sizeof path, "%s/pts", dev);
    if (mkdir(path, 0755)) fail(path);
    /* a private devpts, as container runtimes give, for `tty: true` (a pseudo-terminal);
       where the kernel refuses it, the container only has no terminal to open */
    if (!mount("devpts", path, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620")) {
        snprintf(path, sizeof path, "%s/ptmx", dev);
        if (symlink("pts/ptmx", path)) fail(path);
    }
    umask(mask);
}

/* host-wide knobs a root process may otherwise write through its own /proc */
static const char *const readonly_proc[] = {"/proc/sys", "/proc/sysrq-trigger"};

void iso_mount_proc(void) {
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL)) fail("mount /proc");
    for (size_t i = 0; i < sizeof readonly_proc / sizeof *readonly_proc; i++) {
        const char *p = readonly_proc[i];
        if (mount(p, p, NULL, MS_BIND | MS_REC, NULL)) {
            if (errno == ENOENT) continue; /* a kernel built without it */
            fail(p);
        }
        if (mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL)) fail(p);
    }
}

static void write_map(pid_t pid, const char *file, unsigned long base) {
    char path[64], text[64];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
    int n = snprintf(text, sizeof text, "0 %lu %lu\n", base, ISO_USERNS_SIZE);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, text, (size_t)n) != n) fail(file);
    close(fd);
}

/* A user namespace mapping container ids 0..65535 to BASE.., made by a child (a process
 * cannot make one once chrooted, nor map a range into its own), held by a descriptor;
 * the program's process joins it (setns) just before exec. Returns the descriptor. */
int iso_make_userns(unsigned long base) {
    int sync[2];
    if (pipe2(sync, O_CLOEXEC)) fail("pipe");
    /* a fork into a new user namespace (glibc's fork takes no flags) */
    pid_t child = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
    if (child < 0) fail("clone user namespace");
    if (child == 0) { /* waits until the maps are written and the namespace is held */
        char done;
        close(sync[1]);
        _exit(read(sync[0], &done, 1) < 0);
    }
    close(sync[0]);
    char path[64];
    write_map(child, "uid_map", base);
    write_map(child, "gid_map", base);
    snprintf(path, sizeof path, "/proc/%d/ns/user", (int)child);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail("user namespace");
    close(sync[1]);
    int status;
    waitpid(child, &status, 0);
    return fd;
}

void iso_drop_privileges(const struct iso *iso) {
    if (iso->userns && setns(userns_fd, CLONE_NEWUSER)) fail("join user namespace");
    if (iso->nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) fail("no_new_privs");
    /* while this process still has CAP_SYS_ADMIN (no no_new_privs needed) */
    if (iso->seccomp && iso_seccomp(iso->has_caps ? iso->caps : ~0ULL)) fail("seccomp");
    if (iso->has_caps) {
        for (int c = 0; c < 64; c++)
            if (!(iso->caps >> c & 1) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) && errno != EINVAL)
                fail("drop capabilities");
        prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    }
    if (iso->has_uid || iso->has_gid) {
        if (setgroups((size_t)iso->ngroups, iso->groups)) fail("setgroups");
        gid_t gid = iso->has_gid ? iso->gid : 0;
        if (setresgid(gid, gid, gid)) fail("setgid");
    }
    if (iso->has_uid && setresuid(iso->uid, iso->uid, iso->uid)) fail("setuid");
    if (iso->has_caps && geteuid() == 0) { /* a non-root uid has none left after setuid */
        struct __user_cap_header_struct head = {_LINUX_CAPABILITY_VERSION_3, 0};
        __u32 lo = (__u32)iso->caps, hi = (__u32)(iso->caps >> 32);
        struct __user_cap_data_struct data[2] = {{lo, lo, 0}, {hi, hi, 0}};
        if (syscall(SYS_capset, &head, data)) fail("set capabilities");
    }
}

/* can a child unshare `flags` (and, for a PID namespace, mount its own /proc)? */
static int try_unshare(int flags) {
    pid_t child = fork();
    if (child < 0) return 0;
    if (child == 0) {
        if (unshare(flags)) _exit(1);
        if (!(flags & CLONE_NEWPID)) _exit(0);
        if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL)) _exit(1);
        pid_t init = fork();
        if (init == 0) _exit(mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) ? 1 : 0);
        int status;
        _exit(init > 0 && waitpid(init, &status, 0) == init && WIFEXITED(status) ? WEXITSTATUS(status) : 1);
    }
    int status;
    return waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* can a child make a process in a user namespace with a mapped range, root there? */
static int try_userns(void) {
    pid_t child = fork();
    if (child < 0) return 0;
    if (child == 0) {
        int fd = iso_make_userns(100000);
        _exit(setns(fd, CLONE_NEWUSER) || setresgid(0, 0, 0) || setresuid(0, 0, 0) || getuid());
    }
    int status;
    return waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static int try_seccomp(void) {
    pid_t child = fork();
    if (child < 0) return 0;
    if (child == 0) _exit(iso_probe_seccomp() ? 0 : 1);
    int status;
    return waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int iso_probe(void) {
    static const struct {
        const char *name;
        int flags;
    } kinds[] = {{"pid", CLONE_NEWPID | CLONE_NEWNS}, {"uts", CLONE_NEWUTS},  {"ipc", CLONE_NEWIPC},
                 {"net", CLONE_NEWNET}};
    const char *sep = "";
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        if (try_unshare(kinds[i].flags)) {
            printf("%s%s", sep, kinds[i].name);
            sep = " ";
        }
    }
    if (try_userns()) printf("%suser", sep), sep = " ";
    if (try_seccomp()) printf("%sseccomp", sep);
    printf("\n");
    return 0;
}
