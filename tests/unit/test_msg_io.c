/*
 * test_msg_io.c - what the message transports and the shm rings share
 * (ipc/msg_io.h, ipc/ring_turn.h), without IPC objects: a send split into
 * messages of at most BUF_SIZE, the rest of a message handed out by small
 * recvs and by acquire, and each side's turn through a ring.
 */
#include "check.h"
#include "msg_io.h"
#include "ring_turn.h"

#include <errno.h>
#include <stdint.h>

/* Stands in for a transport's channel: what the splitter sent. */
struct ipc_channel {
	size_t lens[16];
	char bytes[64];
	unsigned n;      /* messages sent */
	size_t total;
	unsigned fail_at; /* that message fails (1-based; 0: none) */
};

static int record_one(struct ipc_channel *ch, const char *msg, size_t len,
		      struct ipc_err *e)
{
	if (ch->n + 1 == ch->fail_at)
		return ipc_errf(e, EPIPE, "send %u", ch->n + 1);
	memcpy(ch->bytes + ch->total, msg, len);
	ch->lens[ch->n++] = len;
	ch->total += len;
	return 0;
}

static void test_split(void)
{
	struct ipc_channel ch = {0};
	struct ipc_err e;
	const char text[] = "abcdefghij"; /* 10 bytes */
	CHECK_EQ_U(ipc_msg_send_split(&ch, record_one, 4, text, 10, &e), 0);
	CHECK_EQ_U(ch.n, 3);
	CHECK_EQ_U(ch.lens[0], 4);
	CHECK_EQ_U(ch.lens[1], 4);
	CHECK_EQ_U(ch.lens[2], 2);
	CHECK(memcmp(ch.bytes, text, 10) == 0);

	struct ipc_channel one = {0};
	CHECK_EQ_U(ipc_msg_send_split(&one, record_one, 4, text, 4, &e), 0);
	CHECK_EQ_U(one.n, 1);
	CHECK_EQ_U(one.lens[0], 4);
}

static void test_split_end_and_error(void)
{
	struct ipc_channel ch = {0};
	struct ipc_err e;
	/* len 0 is one empty message: end of stream. */
	CHECK_EQ_U(ipc_msg_send_split(&ch, record_one, 4, "", 0, &e), 0);
	CHECK_EQ_U(ch.n, 1);
	CHECK_EQ_U(ch.lens[0], 0);

	/* A failed message stops the send and its error comes back. */
	struct ipc_channel bad = {.fail_at = 2};
	CHECK(ipc_msg_send_split(&bad, record_one, 4, "abcdefghij", 10, &e) ==
	      -EPIPE);
	CHECK_EQ_U(bad.n, 1);
	CHECK_STR(e.msg, "send 2: EPIPE (Broken pipe)");
}

static void test_rest(void)
{
	char msg[] = "0123456789";
	char out[4];
	size_t len;
	struct ipc_msg_rest r = {.off = 0, .len = 10};
	ipc_msg_rest_copy(&r, msg, out, 4, &len);
	CHECK_EQ_U(len, 4);
	CHECK(memcmp(out, "0123", 4) == 0);
	ipc_msg_rest_copy(&r, msg, out, 4, &len);
	CHECK_EQ_U(len, 4);
	CHECK(memcmp(out, "4567", 4) == 0);
	/* acquire hands out what is left as one block, and no more. */
	struct ipc_block b = {0};
	CHECK_EQ_U(ipc_msg_rest_block(&r, msg, &b), 1);
	CHECK(b.data == msg + 8);
	CHECK_EQ_U(b.len, 2);
	CHECK_EQ_U(ipc_msg_rest_block(&r, msg, &b), 0);
	ipc_msg_rest_copy(&r, msg, out, 4, &len);
	CHECK_EQ_U(len, 0);
	/* After end of stream every call says so. */
	r.eos = 1;
	b.len = 99;
	CHECK_EQ_U(ipc_msg_rest_block(&r, msg, &b), 1);
	CHECK_EQ_U(b.len, 0);
}

static void test_ring_turn(void)
{
	struct ipc_ring_turn t = {0};
	struct ipc_block b = {0};
	struct ipc_err e;
	char blocks[3][8];
	for (unsigned i = 0; i < 4; i++) {
		CHECK_EQ_U(ipc_turn_check_free(&t, "block", &e), 0);
		ipc_turn_hand_out(&t, blocks[t.slot], 8, &b);
		CHECK(b.data == blocks[i % 3]);
		CHECK_EQ_U(b.id, i % 3);
		CHECK_EQ_U(b.cap, 8);
		/* One block at a time per side. */
		CHECK(ipc_turn_check_free(&t, "block", &e) == -EPROTO);
		b.len = 8;
		CHECK_EQ_U(ipc_turn_pass(&t, 3, IPC_WRITER, &b, 8, "block", &e),
			   0);
		CHECK_EQ_U(t.pos, i + 1);
		CHECK_EQ_U(t.slot, (i + 1) % 3);
	}
	/* A release without an acquire, or of too many bytes, is refused. */
	CHECK(ipc_turn_pass(&t, 3, IPC_WRITER, &b, 8, "slot", &e) == -EPROTO);
	CHECK_STR(e.msg, "release of slot 0: slot 1 was never acquired: "
		  "EPROTO (Protocol error)");
	ipc_turn_hand_out(&t, blocks[t.slot], 8, &b);
	b.len = 9;
	CHECK(ipc_turn_pass(&t, 3, IPC_WRITER, &b, 8, "slot", &e) == -EINVAL);
	CHECK_EQ_U(t.pos, 4);
	CHECK(ipc_turn_check_len(&t, 9, 8, "slot", &e) == -EPROTO);
	CHECK_EQ_U(ipc_turn_check_len(&t, 8, 8, "slot", &e), 0);
	CHECK_EQ_U(ipc_turn_max_block(1), UINT32_MAX);
	CHECK(ipc_turn_max_block(1u << 31) < UINT32_MAX);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		{"split", test_split},
		{"split_end_and_error", test_split_end_and_error},
		{"rest", test_rest},
		{"ring_turn", test_ring_turn},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
