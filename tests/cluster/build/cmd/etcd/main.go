// Command etcd is etcd's own server entry point, built here so the test control
// plane gets an etcd matching the Kubernetes version pinned in go.mod.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
