/** Promise forms of the positional fs calls FileDevice uses (callback API: no FileHandle objects on the hot path). */
import * as fs from 'node:fs';

export function pread(fd: number, buf: Buffer, off: number, len: number, pos: number): Promise<number> {
  return new Promise((res, rej) => fs.read(fd, buf, off, len, pos, (err, n) => (err ? rej(err) : res(n))));
}
export function pwrite(fd: number, buf: Buffer, off: number, len: number, pos: number): Promise<number> {
  return new Promise((res, rej) => fs.write(fd, buf, off, len, pos, (err, n) => (err ? rej(err) : res(n))));
}
export function fdatasync(fd: number): Promise<void> {
  return new Promise((res, rej) => fs.fdatasync(fd, (err) => (err ? rej(err) : res())));
}
export function fsyncFd(fd: number): Promise<void> {
  return new Promise((res, rej) => fs.fsync(fd, (err) => (err ? rej(err) : res())));
}
export function ftruncate(fd: number, len: number): Promise<void> {
  return new Promise((res, rej) => fs.ftruncate(fd, len, (err) => (err ? rej(err) : res())));
}
export function fstat(fd: number): Promise<fs.Stats> {
  return new Promise((res, rej) => fs.fstat(fd, (err, st) => (err ? rej(err) : res(st))));
}
export function openFd(path: string, flags: string | number, mode?: number): Promise<number> {
  return new Promise((res, rej) => fs.open(path, flags, mode, (err, fd) => (err ? rej(err) : res(fd))));
}
export function closeFd(fd: number): Promise<void> {
  return new Promise((res, rej) => fs.close(fd, (err) => (err ? rej(err) : res())));
}
