/* wf_isolate.h: the container boundary wf-sandbox builds around a program (namespaces,
 * its own /proc and /dev, cgroups, user, capabilities); see wf_isolate.c. */
#ifndef WF_ISOLATE_H
#define WF_ISOLATE_H

#include <sys/types.h>

#define ISO_MAX_GROUPS 32
#define ISO_MAX_CGROUPS 4

struct iso {
    int pid, uts, ipc, net, dev;   /* namespaces to enter; dev: a minimal /dev */
    const char *hostname;          /* with uts */
    int has_uid, has_gid, has_caps, nnp;
    int userns;                    /* a user namespace: container ids 0..65535 -> base.. */
    unsigned long userns_base;
    int seccomp;                   /* the default filter (wf_seccomp.c) before exec */
    uid_t uid;
    gid_t gid;
    gid_t groups[ISO_MAX_GROUPS];
    int ngroups;
    unsigned long long caps;       /* the capabilities kept (bounding, permitted, effective) */
    const char *cgroups[ISO_MAX_CGROUPS]; /* cgroup.procs files to join */
    int ncgroups;
};

/* "-" or a comma list:
 * pid,uts=NAME,ipc,net,dev,uid=N,gid=N,group=N,caps=HEX,nnp,cg=PATH,userns=BASE,seccomp */
void iso_parse(char *text, struct iso *iso);
/* before the mount namespace: join the cgroups, then unshare the namespaces (the PID
 * namespace applies to the children); returns the extra unshare flags used */
void iso_enter(const struct iso *iso);
/* inside the overlay root, before chroot: a minimal /dev (root: the overlay mount point) */
void iso_make_dev(const char *root);
/* in the first process of the PID namespace: mount its own /proc (after chroot) */
void iso_mount_proc(void);
/* in the program's process, just before exec: user, groups, capabilities */
void iso_drop_privileges(const struct iso *iso);
/* a user namespace mapping container ids 0..65535 to host ids from `base`; its fd */
int iso_make_userns(unsigned long base);
/* print which of "pid uts ipc net user seccomp" this kernel lets this process use */
int iso_probe(void);
/* wf_seccomp.c: install the default filter for a container keeping `caps` (0 or -1) */
int iso_seccomp(unsigned long long caps);
int iso_probe_seccomp(void); /* in a child: 1 when the filter loads and refuses */

#define ISO_USERNS_SIZE 65536UL

void fail(const char *stage); /* wf_sandbox.c: report "<errno> <stage>" and exit 127 */

#endif
