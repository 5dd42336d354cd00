/*
 * zcfuse-vm-mark: execute the marker instruction of the zcfuse-cost QEMU
 * plugin (bench/qemu-plugin/cost.c) once, so that the plugin writes a
 * snapshot of the guest's instruction counts.  Without the plugin (KVM, a
 * plain TCG boot, bare metal) it is a NOP and the program does nothing.
 */
int main(void)
{
	/* nopl 0x4d46435a(%rax): "ZCFM", the plugin's marker */
	__asm__ volatile(".byte 0x0f, 0x1f, 0x80, 0x5a, 0x43, 0x46, 0x4d" ::: "memory");
	return 0;
}
