//go:build darwin || freebsd || netbsd

package main

import (
	"os"
	"syscall"
)

// sysStat adds the file's device, inode and status-change time to st.
func sysStat(fi os.FileInfo, st *fileStat) {
	if s, ok := fi.Sys().(*syscall.Stat_t); ok {
		st.dev, st.ino = uint64(s.Dev), uint64(s.Ino)
		st.ctime = s.Ctimespec.Nano()
	}
}
