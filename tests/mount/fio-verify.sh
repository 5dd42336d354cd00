#!/usr/bin/env bash
# Data integrity with fio's own oracle (--verify=crc32c) on memfs and on
# passthrough: random mixed I/O direct and buffered (io_uring engine, depth
# 16), and two jobs on separate files at once. fio must exit 0 with no error
# in its JSON. Then a negative control: one byte changed through the mount
# must make fio --verify_only fail, which proves the check reads real data.
. "$(dirname "$0")/../lib/common.sh"

t_need_cmd fio
jg=$(t_prog json-get)
size=${ZCFUSE_FIO_SIZE:-64M}
cd "$T" || t_fail "cd $T" # fio leaves its verify state files in the cwd

# run_fio LABEL DIR FIO-ARGS...: run and check exit status and error counts.
run_fio() {
	local label=$1 dir=$2 json=$T/fio-$1.json rc n i err
	shift 2
	fio --name="$label" --directory="$dir" --ioengine=io_uring --iodepth=16 \
		--verify=crc32c --verify_fatal=1 --size="$size" \
		--output-format=json --output="$json" "$@" >"$T/fio-$label.out" 2>&1
	rc=$?
	if [ $rc != 0 ]; then
		cat "$T/fio-$label.out"
		grep -m5 -i 'verify\|error' "$json"
		t_fail "fio $label on $dir exited with status $rc"
	fi
	"$jg" "$json" . >/dev/null || t_fail "fio $label: output is not JSON"
	n=$(grep -c '"jobname"' "$json")
	[ "$n" -ge 1 ] || t_fail "fio $label: no jobs in the JSON"
	for ((i = 0; i < n; i++)); do
		err=$("$jg" "$json" "jobs.$i.error") || t_fail "fio $label: no error field for job $i"
		[ "$err" = 0 ] || t_fail "fio $label: job $i reports error $err"
	done
	local rd wr ms
	rd=$("$jg" "$json" jobs.0.read.io_bytes)
	wr=$("$jg" "$json" jobs.0.write.io_bytes)
	ms=$("$jg" "$json" jobs.0.job_runtime)
	t_log "fio $label: ok (job 0 read $rd bytes, wrote $wr bytes in $ms ms)"
}

check_example() {
	local kind=$1 mnt
	srv_start_example "$kind"
	mnt=${SRV_MNT[$kind]}
	mkdir -p "$mnt/direct" "$mnt/buffered" "$mnt/jobs"
	run_fio direct-$kind "$mnt/direct" --rw=randrw --bs=4k,64k --direct=1
	run_fio buffered-$kind "$mnt/buffered" --rw=randrw --bs=4k,64k --direct=0
	run_fio twojobs-$kind "$mnt/jobs" --rw=randwrite --bs=64k --direct=1 --numjobs=2
	# Negative control: corrupt one byte of a job's file, verify_only must fail.
	local f
	f=$(ls "$mnt/jobs" | head -1)
	[ -n "$f" ] || t_fail "no fio file in $mnt/jobs"
	printf 'X' | dd of="$mnt/jobs/$f" bs=1 seek=100000 conv=notrunc status=none ||
		t_fail "cannot write into $mnt/jobs/$f"
	if fio --name="twojobs-$kind" --directory="$mnt/jobs" --ioengine=io_uring --iodepth=16 \
		--verify=crc32c --size="$size" --rw=randwrite --bs=64k --direct=1 --numjobs=2 \
		--verify_only --output-format=json --output="$T/fio-control-$kind.json" \
		>"$T/fio-control-$kind.out" 2>&1; then
		t_fail "fio --verify_only passed although a byte of $f was changed: the check proves nothing"
	fi
	t_log "negative control on $kind: verify_only caught the changed byte"
	srv_stop_ok "$kind"
	# io_uring polls a pollable file before each non-blocking try and, while
	# the try finds the page uncached, polls again up to 128 times: a server
	# answering POLL paid ~120 POLL round trips per buffered READ (52,282
	# POLLs for 443 READs). memfs answers POLL only with -o memfs_poll.
	if [ "$kind" = memfs ]; then
		local polls reads
		polls=$("$jg" "${SRV_STATS[$kind]}" opcodes.POLL.count 2>/dev/null) || polls=0
		reads=$("$jg" "${SRV_STATS[$kind]}" opcodes.READ.count) || t_fail "memfs stats: no READ count"
		t_log "memfs: $polls POLL and $reads READ requests"
		[ "$polls" -le "$reads" ] || t_fail "memfs got $polls POLL requests for $reads READs: io_uring's poll retries reach the server"
	fi
}

check_example memfs
check_example passthrough
t_log "PASS"
