/* wf-sandbox: enter a container's sandbox and run its program, as its shim.
 *
 * Part of the process runtime (workflow_engine/runtime/process/sandbox.py): built once
 * by scripts/setup.sh into .venv/bin/wf-sandbox. Starting it with vfork and doing the
 * mount system calls here is about three times cheaper than forking the Python parent
 * to run them in a preexec function; sandbox.py falls back to that when this is absent.
 *
 * usage: wf-sandbox ERRFD ROOT OVERLAY-OPTIONS CWD NBINDS [SRC DST KIND]... PROGRAM [ARG]...
 *        wf-sandbox --shim DIRFD JOURNALFD LOG OUT CAP KEY ERRFD ISO ROOT OVERLAY-OPTIONS CWD
 *                   NBINDS [SRC DST KIND]... PROGRAM [ARG]...
 *        wf-sandbox --shim-version
 *        wf-sandbox --probe    (prints the namespaces this kernel lets it enter)
 *   ERRFD    a close-on-exec pipe: on failure "<errno> <stage>" is written to it before
 *            exiting 127; a successful exec closes it with nothing written
 *   ROOT     the mount point of the overlay (in this process's own mount namespace);
 *            "-" for the plain sandbox: no namespace, only CWD
 *   KIND     "d" or "f" (directory or file target), with "r" appended for read-only
 *   ISO      the container boundary, "-" for none (wf_isolate.c: namespaces, own /proc
 *            and /dev, cgroups, user and capabilities)
 *
 * The shim (like containerd-shim or conmon) outlives the runtime that started it: it
 * leads its own session, ignores SIGPIPE, SIGHUP, SIGINT and SIGTERM (a SIGTERM to its
 * process group reaches the container's process, a SIGKILL ends both), forks PROGRAM
 * inside the sandbox, and pumps its output into files named relative to DIRFD (opened
 * before the chroot, so they stay reachable): LOG gets "<RFC 3339 time> <line>" per line
 * (stdout and stderr; the format of logs.py), OUT stdout as written, CAP both as written
 * ("-": none; with OUT "-" both streams share one pipe, so the log keeps their order).
 * DIRFD is a read-only directory descriptor holding the runtime's launch claim (a lock,
 * claims.py): kept open, close-on-exec, until the shim exits. Before spawning PROGRAM
 * the shim appends {"start":"KEY"} to JOURNALFD.
 * When PROGRAM ends it appends its exit code (128+N for signal N) to JOURNALFD, the
 * runtime's journal (persist.py, opened with O_APPEND), as one line
 * {"exit":"KEY","code":N} in a single write (creating a file costs forty times more
 * than appending to one on ext4), then kills what is left of its process group,
 * itself included.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wf_isolate.h"

extern char **environ;

#define MAX_PARTIAL (64 * 1024)
#define CHUNK (64 * 1024)
#define OUTBUF (256 * 1024)

static int errfd = -1;

void fail(const char *stage) {
    int code = errno;
    char buf[512];
    int n = snprintf(buf, sizeof buf, "%d %s", code, stage);
    if (errfd >= 0 && n > 0) {
        ssize_t ignored = write(errfd, buf, (size_t)n);
        (void)ignored;
    }
    _exit(127);
}

/* returns 1 when the last component was made here */
static int mkdirs(char *path) {
    for (char *p = path + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(path, 0755) && errno != EEXIST) fail(path);
            *p = '/';
        }
    }
    if (mkdir(path, 0755) == 0) return 1;
    if (errno != EEXIST) fail(path);
    return 0;
}

static void bind(const char *root, const char *src, const char *dst, const char *kind) {
    char target[4096];
    if (snprintf(target, sizeof target, "%s%s", root, dst) >= (int)sizeof target) {
        errno = ENAMETOOLONG;
        fail(dst);
    }
    if (kind[0] == 'd') {
        mkdirs(target);
    } else if (access(target, F_OK)) {
        char *slash = strrchr(target, '/');
        *slash = '\0';
        mkdirs(target);
        *slash = '/';
        int fd = open(target, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        if (fd < 0) fail(dst);
        close(fd);
    }
    if (mount(src, target, NULL, MS_BIND | MS_REC, NULL)) fail(dst);
    if (kind[1] == 'r' && mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL))
        fail(dst);
}

/* argv[0..]: ROOT OPTIONS CWD NBINDS [SRC DST KIND]... PROGRAM...; returns PROGRAM's index */
static int enter(int argc, char **argv, const struct iso *iso) {
    if (argc < 5) {
        errno = EINVAL;
        fail("arguments");
    }
    const char *root = argv[0], *options = argv[1];
    char cwd[4096];
    snprintf(cwd, sizeof cwd, "%s", argv[2]);
    int nbinds = atoi(argv[3]);
    int first = 4 + 3 * nbinds;
    if (nbinds < 0 || first >= argc) {
        errno = EINVAL;
        fail("arguments");
    }
    iso_enter(iso);
    if (strcmp(root, "-") != 0) {
        if (unshare(CLONE_NEWNS)) fail("unshare");
        if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL)) fail("mount --make-rprivate /");
        if (mount("overlay", root, "overlay", 0, options)) fail("mount overlay");
        if (iso->dev) iso_make_dev(root);
        for (int i = 0; i < nbinds; i++)
            bind(root, argv[4 + 3 * i], argv[5 + 3 * i], argv[6 + 3 * i]);
        /* pivot_root, not chroot: the host's tree is detached from this namespace, so a
         * root process with CAP_SYS_CHROOT cannot climb out of a nested chroot to it */
        if (chdir(root)) fail("chdir overlay");
        if (syscall(SYS_pivot_root, ".", ".")) fail("pivot_root");
        if (umount2(".", MNT_DETACH)) fail("detach the host's root");
        if (chdir("/")) fail("chdir /");
    }
    /* a working directory made here belongs to the container's user (mapped) */
    if (mkdirs(cwd) && iso->userns) {
        uid_t uid = (uid_t)iso->userns_base + (iso->has_uid ? iso->uid : 0);
        gid_t gid = (gid_t)iso->userns_base + (iso->has_gid ? iso->gid : 0);
        if (chown(cwd, uid, gid)) fail("chown working directory");
    }
    if (chdir(cwd)) fail("chdir");
    return first;
}

/* ---- the shim ------------------------------------------------------------------ */

struct sink {
    const char *name; /* relative to dirfd; NULL: none */
    int fd;           /* -1: not opened yet (most containers print nothing) */
};

struct stream {
    int fd;                   /* read end of the pipe; -1 once at EOF */
    int raw;                  /* copy stdout to OUT */
    char partial[MAX_PARTIAL + CHUNK + 1]; /* a held-back line and the next chunk */
    size_t npartial;
};

static int dirfd = -1;
static struct sink log_sink, out_sink, cap_sink;
static char outbuf[OUTBUF];
static size_t nout;

static void write_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return; /* a full disk loses output, never the exit code */
        p += w;
        n -= (size_t)w;
    }
}

static int sink_fd(struct sink *s) {
    if (s->fd >= 0 || !s->name) return s->fd;
    int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC;
    s->fd = openat(dirfd, s->name, flags, 0644);
    if (s->fd < 0 && errno == ENOENT) {
        char parent[4096];
        snprintf(parent, sizeof parent, "%s", s->name);
        char *slash = strrchr(parent, '/');
        if (slash) {
            *slash = '\0';
            mkdirat(dirfd, parent, 0755);
            s->fd = openat(dirfd, s->name, flags, 0644);
        }
    }
    if (s->fd < 0) s->name = NULL;
    return s->fd;
}

static void sink_write(struct sink *s, const char *p, size_t n) {
    int fd = sink_fd(s);
    if (fd >= 0) write_all(fd, p, n);
}

static void flush_log(void) {
    if (nout) sink_write(&log_sink, outbuf, nout);
    nout = 0;
}

static void emit(const char *stamp, const char *line, size_t n) {
    size_t need = 28 + n + 1;
    if (nout + need > OUTBUF) flush_log();
    if (need > OUTBUF) return; /* cannot happen: a line is at most MAX_PARTIAL + CHUNK */
    memcpy(outbuf + nout, stamp, 28);
    memcpy(outbuf + nout + 28, line, n);
    outbuf[nout + 28 + n] = '\n';
    nout += need;
}

/* "2006-01-02T15:04:05.000000Z " as logs.stamp() writes it */
static void make_stamp(char *stamp) {
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    char buf[64];
    snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000);
    memcpy(stamp, buf, 28);
}

static void take(struct stream *s, const char *data, size_t n) {
    if (s->raw) sink_write(&out_sink, data, n);
    if (cap_sink.name) sink_write(&cap_sink, data, n);
    char stamp[28];
    make_stamp(stamp);
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        if (data[i] != '\n') continue;
        if (s->npartial) {
            memcpy(s->partial + s->npartial, data + start, i - start);
            emit(stamp, s->partial, s->npartial + i - start);
            s->npartial = 0;
        } else {
            emit(stamp, data + start, i - start);
        }
        start = i + 1;
    }
    if (start < n) { /* the partial last line: held back, split when too long */
        memcpy(s->partial + s->npartial, data + start, n - start);
        s->npartial += n - start;
        if (s->npartial > MAX_PARTIAL) {
            emit(stamp, s->partial, s->npartial);
            s->npartial = 0;
        }
    }
    flush_log();
}

static void finish(struct stream *s) {
    if (s->npartial) {
        char stamp[28];
        make_stamp(stamp);
        emit(stamp, s->partial, s->npartial);
        s->npartial = 0;
        flush_log();
    }
}

/* read once; returns 0 at EOF (or error), 1 when data came, -1 when nothing is there */
static int pump(struct stream *s) {
    static char chunk[CHUNK];
    ssize_t n = read(s->fd, chunk, sizeof chunk);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return -1;
    if (n <= 0) {
        finish(s);
        close(s->fd);
        s->fd = -1;
        return 0;
    }
    take(s, chunk, (size_t)n);
    return 1;
}

static int journal = -1;

static void write_exit(const char *key, int code) {
    char text[1024];
    int n = snprintf(text, sizeof text, "{\"exit\":\"%s\",\"code\":%d}\n", key, code);
    if (n <= 0 || n >= (int)sizeof text) return;
    write_all(journal, text, (size_t)n);
}

/* {"start":"KEY"} once the sandbox is entered, before PROGRAM is spawned: a runtime
 * finding no exit code can tell a program that ran (lost) from one that never started
 * (started again); see claims.py */
static void write_start(const char *key) {
    char text[1024];
    int n = snprintf(text, sizeof text, "{\"start\":\"%s\"}\n", key);
    if (n <= 0 || n >= (int)sizeof text) return;
    write_all(journal, text, (size_t)n);
}

static const char *opt(const char *name) { return strcmp(name, "-") ? name : NULL; }

static int cloexec(const char *text) {
    int fd = atoi(text);
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    return fd;
}

/* the shim outlives the runtime and its terminal; its program gets them back */
static const int ignored[] = {SIGPIPE, SIGHUP, SIGINT, SIGTERM};

static struct iso iso;

/* in the program's (v)forked process: never returns */
static void exec_program(char **prog, int out, int err) {
    if (dup2(out, 1) < 0 || dup2(err, 2) < 0) fail("dup2");
    for (size_t i = 0; i < sizeof ignored / sizeof *ignored; i++) signal(ignored[i], SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    iso_drop_privileges(&iso);
    execvp(prog[0], prog);
    fail("exec");
}

/* PID 1 of the container's PID namespace: its own /proc, then the program; reaps every
 * orphan and ends with the program's code (the kernel then kills what is left) */
static char *mode_arg; /* argv[1]: "--shim", shown as "--init" by the init */

static void init_main(char **prog, int out, int err) {
    /* same length: a runtime looking for shims in /proc must not take the init for one */
    if (mode_arg) memcpy(mode_arg, "--init", 6);
    iso_mount_proc();
    /* vfork returns once the program was exec'd or failed */
    pid_t child = vfork();
    if (child < 0) fail("fork");
    if (child == 0) exec_program(prog, out, err);
    close(errfd);
    close(out);
    close(err);
    for (;;) {
        int status;
        pid_t pid = waitpid(-1, &status, 0);
        if (pid < 0 && errno == EINTR) continue;
        if (pid < 0) _exit(127);
        if (pid == child) _exit(WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status));
    }
}

/* the program (or, with a PID namespace, its init) as a child of the shim */
static pid_t spawn_isolated(char **prog, int out, int err, const char *key) {
    write_start(key);
    pid_t child = iso.pid ? fork() : vfork();
    if (child < 0) fail("fork");
    if (child == 0) {
        if (iso.pid) init_main(prog, out, err);
        exec_program(prog, out, err);
    }
    return child;
}

static pid_t spawn_plain(char **prog, int out, int err, const char *key) {
    /* posix_spawn (a vfork-like clone in glibc): cheaper than fork, and exec failures
     * come back as its result */
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out, 1);
    posix_spawn_file_actions_adddup2(&actions, err, 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t defaults, none;
    sigemptyset(&defaults);
    sigemptyset(&none);
    for (size_t i = 0; i < sizeof ignored / sizeof *ignored; i++) sigaddset(&defaults, ignored[i]);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    pid_t child;
    write_start(key);
    int e = posix_spawnp(&child, prog[0], &actions, &attr, prog, environ);
    if (e) {
        write_exit(key, 127);
        errno = e;
        fail("exec");
    }
    return child;
}

static int shim(int argc, char **argv) {
    if (argc < 9) {
        errno = EINVAL;
        fail("arguments");
    }
    dirfd = cloexec(argv[0]);
    journal = cloexec(argv[1]);
    log_sink = (struct sink){opt(argv[2]), -1};
    out_sink = (struct sink){opt(argv[3]), -1};
    cap_sink = (struct sink){opt(argv[4]), -1};
    const char *key = argv[5];
    errfd = cloexec(argv[6]);
    iso_parse(strdup(argv[7]), &iso); /* a copy: /proc/<pid>/cmdline names the shim */
    setsid(); /* fails harmlessly when the runtime already made it a session leader */
    for (size_t i = 0; i < sizeof ignored / sizeof *ignored; i++) signal(ignored[i], SIG_IGN);
    int first = 8 + enter(argc - 8, argv + 8, &iso);

    static struct stream streams[2];
    int nstreams = out_sink.name ? 2 : 1;
    int ends[2][2];
    for (int i = 0; i < nstreams; i++) {
        if (pipe2(ends[i], O_CLOEXEC)) fail("pipe");
        streams[i].fd = ends[i][0];
        streams[i].raw = out_sink.name && i == 0;
    }
    int out = ends[0][1], err = ends[nstreams - 1][1];
    pid_t child = iso.pid || iso.has_uid || iso.has_gid || iso.has_caps || iso.nnp || iso.userns ||
                          iso.seccomp
                      ? spawn_isolated(argv + first, out, err, key)
                      : spawn_plain(argv + first, out, err, key);
    close(errfd);
    for (int i = 0; i < nstreams; i++) close(ends[i][1]);
    int pidfd = (int)syscall(SYS_pidfd_open, child, 0);

    int status = 0, exited = 0, budget = 64;
    while (budget > 0) {
        struct pollfd fds[3];
        int n = 0;
        for (int i = 0; i < nstreams; i++)
            if (streams[i].fd >= 0) fds[n++] = (struct pollfd){streams[i].fd, POLLIN, 0};
        if (!exited && pidfd >= 0) fds[n++] = (struct pollfd){pidfd, POLLIN, 0};
        if (n == 0) break;
        int ready = poll(fds, (nfds_t)n, exited ? 0 : -1);
        if (ready < 0 && errno == EINTR) continue;
        if (exited && (--budget, ready <= 0)) break;
        for (int j = 0; j < n; j++) {
            if (!fds[j].revents) continue;
            if (fds[j].fd == pidfd) {
                exited = waitpid(child, &status, 0) == child;
                continue;
            }
            for (int i = 0; i < nstreams; i++)
                if (streams[i].fd == fds[j].fd) pump(&streams[i]);
        }
        if (pidfd < 0 && !exited && streams[0].fd < 0 && streams[nstreams - 1].fd < 0)
            exited = waitpid(child, &status, 0) == child; /* no pidfd: wait for EOF */
    }
    if (!exited) waitpid(child, &status, 0);
    for (int i = 0; i < nstreams; i++) finish(&streams[i]);
    int code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
    write_exit(key, code);
    kill(0, SIGKILL); /* the container ends with its first process, as it did unshimmed */
    return code;
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "--shim-version") == 0) {
        puts("wf-shim 5");
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "--probe") == 0) return iso_probe();
    if (argc > 1 && strcmp(argv[1], "--shim") == 0) {
        mode_arg = argv[1];
        return shim(argc - 2, argv + 2);
    }
    if (argc < 7) {
        fprintf(stderr, "usage: wf-sandbox ERRFD ROOT OPTIONS CWD NBINDS [SRC DST KIND]... PROGRAM...\n"
                        "       wf-sandbox --shim DIRFD JOURNALFD LOG OUT CAP KEY ERRFD ISO ROOT OPTIONS CWD "
                        "NBINDS [SRC DST KIND]... PROGRAM...\n");
        return 2;
    }
    errfd = cloexec(argv[1]);
    struct iso none;
    iso_parse("-", &none);
    int first = 1 + enter(argc - 2, argv + 2, &none) + 1;
    execvp(argv[first], argv + first);
    fail("exec");
    return 127;
}
