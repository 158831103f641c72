import { existsSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Tells whether a block device or network interface is physical hardware. A sysfs class entry
 * (/sys/block/NAME, /sys/class/net/NAME) is a link into /sys/devices; the kernel places every
 * software device (loop, ram, zram, dm, md; lo, veth, bridges, docker0) under /sys/devices/virtual.
 * Counting only the others keeps each byte counted once: a partition's I/O is also its disk's, a
 * bridge's traffic is also its ports'. Partitions have no /sys/block entry at all.
 *
 * Answers are cached per name: a snapshot asks about names it has seen before at no cost, and a new
 * device costs one readlink.
 */
export function physicalDeviceClassifier(
  classDir: string,
  guessFromName: (name: string) => boolean,
): (name: string) => boolean {
  // Without the sysfs class directory (a container without /sys, a partial tree) names are all we have.
  const hasClassDir = existsSync(classDir);
  const known = new Map<string, boolean>();
  return (name) => {
    let physical = known.get(name);
    if (physical === undefined) {
      physical = hasClassDir ? linkIsPhysical(join(classDir, name)) : guessFromName(name);
      known.set(name, physical);
    }
    return physical;
  };
}

function linkIsPhysical(entry: string): boolean {
  try {
    return !readlinkSync(entry).includes('/devices/virtual/');
  } catch {
    return false; // no entry: a partition, or a device that has gone
  }
}

const VIRTUAL_DISK = /^(loop|ram|zram|dm-|md|sr|fd|nbd|rbd)\d/;
const PARTITION = /^((sd|vd|xvd|hd)[a-z]+\d+|(nvme\d+n\d+|mmcblk\d+)p\d+)$/;

/** Fallback when /sys/block is missing: whole disks by the kernel's naming conventions. */
export function guessWholeDisk(name: string): boolean {
  return !VIRTUAL_DISK.test(name) && !PARTITION.test(name);
}

const VIRTUAL_NET =
  /^(lo$|veth|docker|br-|virbr|cni|flannel|cali|vxlan|tun|tap|ifb|dummy|kube|weave|genev|wg|tailscale|zt)/;

/** Fallback when /sys/class/net is missing: physical interfaces by common naming conventions. */
export function guessPhysicalInterface(name: string): boolean {
  return !VIRTUAL_NET.test(name);
}
