# SPDX-License-Identifier: GPL-2.0
#
# Steal time for Linux 6.12 on KVM: build, boot and test our series.
#
#   make run      boot a 2-vCPU guest with our driver on a real KVM host and
#                 show its steal time next to the host's; ARCH=arm64 or
#                 ARCH=riscv64: our arm64 (PV_TIME) or riscv64 (SBI STA)
#                 guest, on a KVM host of that architecture
#   make check    every test; the last line is "N passed, N failed, N skipped"
#   make bench    our driver against upstream 6.12's, same base, same run
#   make apply KSRC=/path/to/linux-6.12   put the series into your own tree
#   make series   the two series (steal time, and per-cgroup steal time on
#                 top of it) as mails for git am, each with a cover letter,
#                 in build/series-mails/ (each patch with the files it adds)
#
# Everything is built under build/: the pristine base (Debian's
# linux-source-6.12, or KSRC) in build/base, and one directory per kernel
# variant, build/VARIANT/{linux,obj}: product (the series), s3 (for the
# suspend test), i386 (the 32-bit guest), riscv64 (the RISC-V guest, SBI
# steal time), arm64 (the arm64 guest, PV_TIME stolen time), and the
# benchmark's bench-ours, bench-core (without per-cgroup steal) and
# bench-upstream, upstream-arm64 and upstream-riscv64 (the untouched
# base, configured as the arm64 and riscv64 guests are). Every variant's
# sources are at ../linux from its objects, so the compiler cache serves
# a file that is the same in two variants only once.
#
# A real KVM host: this machine's, where it has hardware KVM; elsewhere
# scripts/nested-host boots Debian's own kernel under TCG as a KVM host
# (build/nested/), and the guests run inside it (scripts/host-kind says
# which, STEAL_HOST=kvm|nested overrides it). The arm64 and riscv64
# guests get theirs the same way (build/nested-arm64/, build/nested-riscv64/:
# Debian's kernel and user space for that architecture).

TOP      := $(CURDIR)
BUILD    := $(TOP)/build
JOBS     ?= $(shell nproc)
# Looked up when a kernel's recipe runs, after deps has installed ccache
# on a fresh machine, not when make starts.
CCACHE    = $(shell command -v ccache >/dev/null && echo "ccache ")
# Every variant is x86_64 but i386, the 32-bit guest, and riscv64 and
# arm64, built with Debian's cross compilers.
karch     = $(if $(filter i386,$(1)),i386,$(if $(findstring riscv64,$(1)),riscv,$(if $(findstring arm64,$(1)),arm64,x86_64)))
kcross    = $(if $(findstring riscv64,$(1)),riscv64-linux-gnu-,$(if $(findstring arm64,$(1)),aarch64-linux-gnu-))
KMAKE     = $(MAKE) -s -C $(BUILD)/$(1)/linux O=$(BUILD)/$(1)/obj ARCH=$(call karch,$(1)) \
	    CROSS_COMPILE=$(call kcross,$(1)) CC="$(CCACHE)$(call kcross,$(1))gcc" \
	    $(if $(filter -j%,$(MAKEFLAGS)),,-j$(JOBS))

export KSRC TARBALL
# Let a fresh clone elsewhere reuse the compiler cache of an earlier one.
export CCACHE_BASEDIR := $(TOP)
export CCACHE_NOHASHDIR := true

.PHONY: all deps run check bench apply series clean help kernel
.PHONY: initramfs host base FORCE

all: kernel

help:
	@sed -n '3,/^$$/p' Makefile | sed 's/^# \{0,1\}//'

deps:
	@scripts/install-deps.sh

base: deps
	@scripts/prepare-tree.sh base

tree-%: base FORCE
	@scripts/prepare-tree.sh $* $(BUILD)/$*/linux

kernel-%: tree-% FORCE
	@+ARCH=$(call karch,$*) CROSS_COMPILE=$(call kcross,$*) scripts/configure.sh $(BUILD)/$*/linux $(BUILD)/$*/obj $*
	@echo "  BUILD   vmlinux ($*) in build/$*/obj"
	@date +%s > $(BUILD)/$*/.build-start
	@+$(call KMAKE,$*) vmlinux $(IMAGES_$*)
	@echo "  KERNEL  build/$*/obj/vmlinux ($$(( $$(date +%s) - $$(cat $(BUILD)/$*/.build-start) )) s)"

# S3 resume goes through the firmware, so tests/t-57-kvm-suspend boots a
# bzImage; tests/t-58-kexec kexecs into one. The s3 kernel also builds the
# KUnit suites as modules (tests/t-34-kunit-modules).
IMAGES_s3 := bzImage modules
IMAGES_product := bzImage
IMAGES_i386 := bzImage
IMAGES_riscv64 := Image
IMAGES_arm64 := Image
IMAGES_upstream-riscv64 := Image
IMAGES_upstream-arm64 := Image

kernel: kernel-product

# The KVM hosts: x86_64's where this machine has no hardware KVM, and
# arm64's and riscv64's, with our guests' busybox for each.
host: deps
	@if scripts/host-kind | grep -q '^nested'; then scripts/nested-host prepare; fi
	@scripts/nested-host --arch arm64 prepare
	@scripts/nested-host --arch riscv64 prepare

initramfs: deps
	@scripts/mkinitramfs.sh $(BUILD)

# make run ARCH=arm64|riscv64: that guest instead of the x86_64 one.
RUN_ARCH := $(or $(filter arm64 riscv64,$(ARCH)),x86_64)
run: $(if $(filter x86_64,$(RUN_ARCH)),kernel,kernel-$(RUN_ARCH)) initramfs host
	@scripts/run.py $(RUN_ARCH)

# Every kernel is built here: inside the nested host it would be emulated.
# Several at a time, sharing $(JOBS) jobs: one's serial steps (configuring,
# linking, compressing) leave a core idle that another's compiler takes.
check:
	@+$(MAKE) --no-print-directory -j$(JOBS) kernel kernel-s3 kernel-i386 kernel-riscv64 \
		kernel-arm64 initramfs host
	@tests/run-all.sh

bench: initramfs host
	@+$(MAKE) --no-print-directory kernel-bench-ours kernel-bench-core kernel-bench-upstream kernel-arm64 \
		kernel-riscv64 kernel-upstream-arm64 kernel-upstream-riscv64
	@scripts/bench.py

apply:
	@test -n "$(KSRC)" || { echo "usage: make apply KSRC=/path/to/linux-6.12"; exit 2; }
	@scripts/apply-series.sh "$(KSRC)"

# The base tree comes with the product's.
series: tree-product
	@scripts/series.sh $(BUILD)/series-mails

clean:
	rm -rf $(BUILD)

FORCE:
