/*
 * pr-client: a host we did not write, for Tandem's reservation tests
 * (test/ha-reservations.test.ts, docs/ha.md «LU state belongs to the array»). It logs
 * in with libiscsi as one fixed I_T nexus (initiator name + an ISID from -s), runs the
 * operations given on the command line in order, prints one JSON object per operation on
 * stdout, and logs out.
 *
 *   pr-client -s 17 iscsi://127.0.0.1:3260/iqn.../0 iqn.2026-11.test:host1 \
 *       register:1111 reserve:1111:1 read-keys read-reservation write:8 read:8
 *
 * Operations (keys in hex, types as SPC-4 Table 175: 1 WE, 3 EA, 5 WE-RO, 6 EA-RO, 7 WE-AR, 8 EA-AR):
 *   tur                          TEST UNIT READY
 *   register:KEY                 PR OUT REGISTER AND IGNORE EXISTING KEY (service action key KEY)
 *   register-aptpl:KEY           the same with APTPL=1
 *   unregister:KEY               PR OUT REGISTER, reservation key KEY, service action key 0
 *   reserve:KEY:TYPE             PR OUT RESERVE
 *   release:KEY:TYPE             PR OUT RELEASE
 *   clear:KEY                    PR OUT CLEAR
 *   preempt:KEY:VICTIM:TYPE      PR OUT PREEMPT
 *   preempt-abort:KEY:VICTIM:TYPE  PR OUT PREEMPT AND ABORT
 *   read-keys                    PR IN READ KEYS: "generation", "keys"
 *   read-reservation             PR IN READ RESERVATION: "generation", "key", "type" (null when none)
 *   reserve6 / release6          SPC-2 RESERVE(6) / RELEASE(6)
 *   write:LBA                    WRITE(10) one 512-byte block of a pattern
 *   read:LBA                     READ(10) one block
 *   wce                          MODE SENSE(6) caching page: "wce" 0 or 1
 *   set-wce:0|1                  MODE SENSE, then MODE SELECT(6) of the caching page with WCE changed
 *   stpg:TPG                     SET TARGET PORT GROUPS: target port group TPG active/optimized
 *   wait:MS                      keep the session (answering NOP-In) for MS milliseconds
 *
 * Every result has "op" and "status" (GOOD, CHECK_CONDITION, RESERVATION_CONFLICT, ...;
 * "sense": "key/asc/ascq" for CHECK CONDITION) and "uas": the unit attentions the command
 * got first. A command that gets UNIT ATTENTION or NOT READY, ASYMMETRIC ACCESS STATE
 * TRANSITION (04h/0Ah) is sent again, as a host does (up to 50 times, 200 ms apart).
 * Exit status: 0 when every operation ran (whatever its SCSI status), 2 when the login
 * failed, 1 on a usage or transport error (a connection that dies is not reconnected).
 */
#include <inttypes.h>
#include <poll.h>
#include <time.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

static struct iscsi_context *iscsi;
static int lun;

static const char *status_name(int s)
{
	switch (s) {
	case SCSI_STATUS_GOOD: return "GOOD";
	case SCSI_STATUS_CHECK_CONDITION: return "CHECK_CONDITION";
	case SCSI_STATUS_BUSY: return "BUSY";
	case SCSI_STATUS_RESERVATION_CONFLICT: return "RESERVATION_CONFLICT";
	case SCSI_STATUS_TASK_SET_FULL: return "TASK_SET_FULL";
	case SCSI_STATUS_TASK_ABORTED: return "TASK_ABORTED";
	case SCSI_STATUS_CANCELLED: return "CANCELLED";
	case SCSI_STATUS_ERROR: return "ERROR";
	case SCSI_STATUS_TIMEOUT: return "TIMEOUT";
	default: return "OTHER";
	}
}

/* A JSON string of s (libiscsi's error texts may hold quotes). */
static void json_string(const char *s)
{
	putchar('"');
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static uint64_t hex(const char *s)
{
	return strtoull(s, NULL, 16);
}

/* Splits "a:b:c" into at most n fields (in place). */
static int split(char *s, const char **out, int n)
{
	int i = 0;
	while (i < n) {
		out[i++] = s;
		char *c = strchr(s, ':');
		if (!c)
			break;
		*c = 0;
		s = c + 1;
	}
	return i;
}

static struct scsi_task *pr_out(int sa, int type, uint64_t key, uint64_t sakey, int aptpl)
{
	struct scsi_persistent_reserve_out_basic p;
	memset(&p, 0, sizeof p);
	p.reservation_key = key;
	p.service_action_reservation_key = sakey;
	p.aptpl = aptpl;
	return iscsi_persistent_reserve_out_sync(iscsi, lun, sa, SCSI_PERSISTENT_RESERVE_SCOPE_LU, type, &p);
}

static unsigned char block[512];

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Keeps the session alive for ms: the target's NOP-In pings are answered. */
static int hold(long ms)
{
	long long end = now_ms() + ms;
	while (now_ms() < end) {
		struct pollfd pfd = { .fd = iscsi_get_fd(iscsi), .events = (short)iscsi_which_events(iscsi) };
		int left = (int)(end - now_ms());
		int n = poll(&pfd, 1, left < 100 ? (left > 0 ? left : 0) : 100);
		if (n < 0)
			return -1;
		if (iscsi_service(iscsi, n > 0 ? pfd.revents : 0) < 0)
			return -1;
	}
	return 0;
}

static struct scsi_task *mode_sense_caching(void)
{
	return iscsi_modesense6_sync(iscsi, lun, 1, SCSI_MODESENSE_PC_CURRENT, SCSI_MODEPAGE_CACHING, 0, 255);
}

/* MODE SELECT(6) of the caching page as MODE SENSE reported it, WCE set to wce. */
static struct scsi_task *set_wce(int wce)
{
	struct scsi_task *t = mode_sense_caching();
	if (!t || t->status != SCSI_STATUS_GOOD)
		return t;
	struct scsi_mode_sense *ms = scsi_datain_unmarshall(t);
	struct scsi_mode_page *mp = ms ? scsi_modesense_get_page(ms, SCSI_MODEPAGE_CACHING, 0) : NULL;
	if (!mp) {
		fprintf(stderr, "pr-client: no caching page in MODE SENSE data\n");
		exit(1);
	}
	mp->ps = 0;
	mp->caching.wce = wce;
	struct scsi_task *sel = iscsi_modeselect6_sync(iscsi, lun, 1, 0, mp);
	scsi_free_scsi_task(t);
	return sel;
}

/* SET TARGET PORT GROUPS (SPC-4 §6.36): one descriptor, group tpg active/optimized. */
static struct scsi_task *stpg(int tpg)
{
	static unsigned char param[8];
	unsigned char cdb[12] = { 0xa4, 0x0a, 0, 0, 0, 0, 0, 0, 0, sizeof param, 0, 0 };
	memset(param, 0, sizeof param);
	param[4] = 0x00; /* active/optimized */
	param[6] = (unsigned char)(tpg >> 8);
	param[7] = (unsigned char)tpg;
	struct scsi_task *t = scsi_create_task(sizeof cdb, cdb, SCSI_XFER_WRITE, sizeof param);
	struct iscsi_data d = { .size = sizeof param, .data = param };
	if (!t)
		return NULL;
	if (!iscsi_scsi_command_sync(iscsi, lun, t, &d)) {
		scsi_free_scsi_task(t);
		return NULL;
	}
	return t;
}

/* One command, sent again after a unit attention or an ALUA transition. */
static struct scsi_task *run(const char *op, const char **f, int nf, char *uas, size_t uaslen)
{
	for (int attempt = 0; attempt < 50; attempt++) {
		struct scsi_task *t = NULL;
		if (!strcmp(op, "tur"))
			t = iscsi_testunitready_sync(iscsi, lun);
		else if (!strcmp(op, "register") && nf >= 2)
			t = pr_out(SCSI_PERSISTENT_RESERVE_REGISTER_AND_IGNORE_EXISTING_KEY, 0, 0, hex(f[1]), 0);
		else if (!strcmp(op, "register-aptpl") && nf >= 2)
			t = pr_out(SCSI_PERSISTENT_RESERVE_REGISTER_AND_IGNORE_EXISTING_KEY, 0, 0, hex(f[1]), 1);
		else if (!strcmp(op, "unregister") && nf >= 2)
			t = pr_out(SCSI_PERSISTENT_RESERVE_REGISTER, 0, hex(f[1]), 0, 0);
		else if (!strcmp(op, "reserve") && nf >= 3)
			t = pr_out(SCSI_PERSISTENT_RESERVE_RESERVE, atoi(f[2]), hex(f[1]), 0, 0);
		else if (!strcmp(op, "release") && nf >= 3)
			t = pr_out(SCSI_PERSISTENT_RESERVE_RELEASE, atoi(f[2]), hex(f[1]), 0, 0);
		else if (!strcmp(op, "clear") && nf >= 2)
			t = pr_out(SCSI_PERSISTENT_RESERVE_CLEAR, 0, hex(f[1]), 0, 0);
		else if (!strcmp(op, "preempt") && nf >= 4)
			t = pr_out(SCSI_PERSISTENT_RESERVE_PREEMPT, atoi(f[3]), hex(f[1]), hex(f[2]), 0);
		else if (!strcmp(op, "preempt-abort") && nf >= 4)
			t = pr_out(SCSI_PERSISTENT_RESERVE_PREEMPT_AND_ABORT, atoi(f[3]), hex(f[1]), hex(f[2]), 0);
		else if (!strcmp(op, "read-keys"))
			t = iscsi_persistent_reserve_in_sync(iscsi, lun, SCSI_PERSISTENT_RESERVE_READ_KEYS, 8192);
		else if (!strcmp(op, "read-reservation"))
			t = iscsi_persistent_reserve_in_sync(iscsi, lun, SCSI_PERSISTENT_RESERVE_READ_RESERVATION, 8192);
		else if (!strcmp(op, "reserve6"))
			t = iscsi_reserve6_sync(iscsi, lun);
		else if (!strcmp(op, "release6"))
			t = iscsi_release6_sync(iscsi, lun);
		else if (!strcmp(op, "write") && nf >= 2)
			t = iscsi_write10_sync(iscsi, lun, (uint32_t)strtoul(f[1], NULL, 0), block, sizeof block, 512, 0, 0, 0, 0, 0);
		else if (!strcmp(op, "read") && nf >= 2)
			t = iscsi_read10_sync(iscsi, lun, (uint32_t)strtoul(f[1], NULL, 0), 512, 512, 0, 0, 0, 0, 0);
		else if (!strcmp(op, "stpg") && nf >= 2)
			t = stpg(atoi(f[1]));
		else if (!strcmp(op, "wce"))
			t = mode_sense_caching();
		else if (!strcmp(op, "set-wce") && nf >= 2)
			t = set_wce(atoi(f[1]));
		else {
			fprintf(stderr, "pr-client: unknown operation %s\n", op);
			exit(1);
		}
		if (t == NULL) {
			printf("{\"op\":\"%s\",\"status\":\"TRANSPORT\",\"error\":", op);
			json_string(iscsi_get_error(iscsi));
			printf(",\"uas\":[%s]}\n", uas);
			fflush(stdout);
			exit(1);
		}
		int again = 0;
		if (t->status == SCSI_STATUS_CHECK_CONDITION) {
			if (t->sense.key == SCSI_SENSE_UNIT_ATTENTION) {
				size_t n = strlen(uas);
				snprintf(uas + n, uaslen - n, "%s\"%02x/%02x\"", n ? "," : "", t->sense.ascq >> 8, t->sense.ascq & 0xff);
				again = 1;
			} else if (t->sense.key == SCSI_SENSE_NOT_READY && t->sense.ascq == 0x040a) {
				again = 1;
				usleep(200 * 1000);
			}
		}
		if (!again)
			return t;
		scsi_free_scsi_task(t);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int opt;
	uint32_t isid = 1;
	while ((opt = getopt(argc, argv, "s:")) != -1) {
		if (opt == 's')
			isid = (uint32_t)strtoul(optarg, NULL, 0);
		else
			return 1;
	}
	if (argc - optind < 2) {
		fprintf(stderr, "usage: pr-client [-s ISID] URL INITIATOR OP...\n");
		return 1;
	}
	const char *url_text = argv[optind];
	const char *initiator = argv[optind + 1];
	for (size_t i = 0; i < sizeof block; i++)
		block[i] = (unsigned char)(i * 7 + 1);

	iscsi = iscsi_create_context(initiator);
	if (!iscsi)
		return 1;
	/* A fixed ISID: every run of this client with the same -s is the same I_T nexus. */
	iscsi_set_isid_random(iscsi, isid & 0xffffff, 0);
	struct iscsi_url *url = iscsi_parse_full_url(iscsi, url_text);
	if (!url) {
		fprintf(stderr, "pr-client: %s\n", iscsi_get_error(iscsi));
		return 1;
	}
	iscsi_set_targetname(iscsi, url->target);
	iscsi_set_session_type(iscsi, ISCSI_SESSION_NORMAL);
	iscsi_set_header_digest(iscsi, ISCSI_HEADER_DIGEST_NONE_CRC32C);
	iscsi_set_timeout(iscsi, 30);
	/* One session per run: a connection that dies ends the run (the next run logs in again). */
	iscsi_set_noautoreconnect(iscsi, 1);
	lun = url->lun;
	/*
	 * Connect and log in, and no more: iscsi_full_connect_sync() would also send TEST UNIT
	 * READY until no unit attention is left, and the test wants to see them.
	 */
	if (iscsi_connect_sync(iscsi, url->portal) != 0 || iscsi_login_sync(iscsi) != 0) {
		printf("{\"op\":\"login\",\"status\":\"LOGIN_FAILED\",\"error\":");
		json_string(iscsi_get_error(iscsi));
		printf(",\"uas\":[]}\n");
		return 2;
	}

	for (int i = optind + 2; i < argc; i++) {
		char spec[256];
		snprintf(spec, sizeof spec, "%s", argv[i]);
		const char *f[4] = { 0 };
		int nf = split(spec, f, 4);
		char uas[512] = "";
		if (!strcmp(f[0], "wait") && nf >= 2) {
			int r = hold(strtol(f[1], NULL, 0));
			printf("{\"op\":\"wait\",\"status\":\"%s\",\"uas\":[]}\n", r == 0 ? "GOOD" : "TRANSPORT");
			fflush(stdout);
			if (r != 0)
				return 1;
			continue;
		}
		struct scsi_task *t = run(f[0], f, nf, uas, sizeof uas);
		if (!t) {
			printf("{\"op\":\"%s\",\"status\":\"GAVE_UP\",\"uas\":[%s]}\n", f[0], uas);
			continue;
		}
		printf("{\"op\":\"%s\",\"status\":\"%s\",\"uas\":[%s]", f[0], status_name(t->status), uas);
		if (t->status == SCSI_STATUS_CHECK_CONDITION)
			printf(",\"sense\":\"%x/%02x/%02x\"", t->sense.key, t->sense.ascq >> 8, t->sense.ascq & 0xff);
		if (t->status == SCSI_STATUS_GOOD && !strcmp(f[0], "read-keys")) {
			struct scsi_persistent_reserve_in_read_keys *rk = scsi_datain_unmarshall(t);
			printf(",\"generation\":%u,\"keys\":[", rk ? rk->prgeneration : 0);
			for (int k = 0; rk && k < rk->num_keys; k++)
				printf("%s\"%" PRIx64 "\"", k ? "," : "", rk->keys[k]);
			printf("]");
		}
		if (t->status == SCSI_STATUS_GOOD && !strcmp(f[0], "read-reservation")) {
			struct scsi_persistent_reserve_in_read_reservation *rr = scsi_datain_unmarshall(t);
			if (rr && rr->reserved)
				printf(",\"generation\":%u,\"key\":\"%" PRIx64 "\",\"type\":%u", rr->prgeneration, rr->reservation_key, rr->pr_type);
			else
				printf(",\"generation\":%u,\"key\":null,\"type\":null", rr ? rr->prgeneration : 0);
		}
		if (t->status == SCSI_STATUS_GOOD && !strcmp(f[0], "wce")) {
			struct scsi_mode_sense *ms = scsi_datain_unmarshall(t);
			struct scsi_mode_page *mp = ms ? scsi_modesense_get_page(ms, SCSI_MODEPAGE_CACHING, 0) : NULL;
			printf(",\"wce\":%d", mp ? mp->caching.wce : -1);
		}
		printf("}\n");
		fflush(stdout);
		scsi_free_scsi_task(t);
	}
	iscsi_logout_sync(iscsi);
	iscsi_destroy_url(url);
	iscsi_destroy_context(iscsi);
	return 0;
}
