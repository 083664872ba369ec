/* wf-sandbox: enter an overlay sandbox and exec a container's program.
 *
 * Part of the process runtime (workflow_engine/runtime/process/sandbox.py): built once
 * by scripts/setup.sh into .venv/bin/wf-sandbox. Starting it with vfork and doing the
 * mount system calls here is about three times cheaper than forking the Python parent
 * to run them in a preexec function; sandbox.py falls back to that when this is absent.
 *
 * usage: wf-sandbox ERRFD ROOT OVERLAY-OPTIONS CWD NBINDS [SRC DST KIND]... PROGRAM [ARG]...
 *   ERRFD    a close-on-exec pipe: on failure "<errno> <stage>" is written to it before
 *            exiting 127; a successful exec closes it with nothing written
 *   ROOT     the mount point of the overlay (in this process's own mount namespace)
 *   KIND     "d" or "f" (directory or file target), with "r" appended for read-only
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static int errfd = -1;

static void fail(const char *stage) {
    int code = errno;
    char buf[512];
    int n = snprintf(buf, sizeof buf, "%d %s", code, stage);
    if (errfd >= 0 && n > 0) {
        ssize_t ignored = write(errfd, buf, (size_t)n);
        (void)ignored;
    }
    _exit(127);
}

static void mkdirs(char *path) {
    for (char *p = path + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(path, 0755) && errno != EEXIST) fail(path);
            *p = '/';
        }
    }
    if (mkdir(path, 0755) && errno != EEXIST) fail(path);
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

int main(int argc, char **argv) {
    if (argc < 7) {
        fprintf(stderr, "usage: wf-sandbox ERRFD ROOT OPTIONS CWD NBINDS [SRC DST KIND]... PROGRAM...\n");
        return 2;
    }
    errfd = atoi(argv[1]);
    fcntl(errfd, F_SETFD, FD_CLOEXEC);
    const char *root = argv[2], *options = argv[3];
    char cwd[4096];
    snprintf(cwd, sizeof cwd, "%s", argv[4]);
    int nbinds = atoi(argv[5]);
    int first = 6 + 3 * nbinds;
    if (nbinds < 0 || first >= argc) {
        errno = EINVAL;
        fail("arguments");
    }
    if (unshare(CLONE_NEWNS)) fail("unshare");
    if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL)) fail("mount --make-rprivate /");
    if (mount("overlay", root, "overlay", 0, options)) fail("mount overlay");
    for (int i = 0; i < nbinds; i++) bind(root, argv[6 + 3 * i], argv[7 + 3 * i], argv[8 + 3 * i]);
    if (chroot(root)) fail("chroot");
    mkdirs(cwd);
    if (chdir(cwd)) fail("chdir");
    execvp(argv[first], argv + first);
    fail("exec");
    return 127;
}
