# SPDX-License-Identifier: GPL-2.0
#
# Steal time for Linux 6.12 on KVM: build, boot and test our series.
#
#   make run      boot a 2-vCPU guest with our driver and show its steal time
#   make check    every test; the last line is "N passed, N failed"
#   make apply KSRC=/path/to/linux-6.12   put the series into your own tree
#
# Everything is built under build/: the pristine base (Debian's
# linux-source-6.12, or KSRC), the patched trees linux-product (the series)
# and linux-pvm (the series plus test-host quirks), and their objects.

TOP      := $(CURDIR)
BUILD    := $(TOP)/build
JOBS     ?= $(shell nproc)
CCACHE   := $(shell command -v ccache >/dev/null && echo "ccache ")
KMAKE     = $(MAKE) -s -C $(BUILD)/linux-$(1) O=$(BUILD)/obj-$(1) ARCH=x86_64 \
	    CC="$(CCACHE)gcc" -j$(JOBS)

export KSRC TARBALL
# Let a fresh clone elsewhere reuse the compiler cache of an earlier one.
export CCACHE_BASEDIR := $(TOP)
export CCACHE_NOHASHDIR := true

.PHONY: all deps run check apply clean help kernel
.PHONY: initramfs FORCE

all: kernel

help:
	@sed -n '3,13p' Makefile

deps:
	@scripts/install-deps.sh

tree-%: deps FORCE
	@scripts/prepare-tree.sh $* $(BUILD)/linux-$*

kernel-%: tree-% FORCE
	@scripts/configure.sh $(BUILD)/linux-$* $(BUILD)/obj-$*
	@echo "  BUILD   vmlinux ($*) in build/obj-$*"
	@+$(call KMAKE,$*) vmlinux
	@echo "  KERNEL  build/obj-$*/vmlinux"

# The product as shipped; the test-host variant only where the host needs it.
kernel: kernel-product
	@if scripts/host-kind | grep -q '^pvm'; then $(MAKE) --no-print-directory kernel-pvm; fi

initramfs: deps
	@scripts/mkinitramfs.sh $(BUILD)

run: kernel initramfs
	@scripts/run.py

check: kernel initramfs
	@tests/run-all.sh

apply:
	@test -n "$(KSRC)" || { echo "usage: make apply KSRC=/path/to/linux-6.12"; exit 2; }
	@scripts/apply-series.sh "$(KSRC)"

clean:
	rm -rf $(BUILD)

FORCE:
