// hubbub's Socket.IO gateway seen by the official JavaScript client (socket.io-client), against
// a real `hubbub serve`. tests/e2e/test_js_client.py starts the server, makes the people and the
// room over HTTP and passes them in the environment: HUBBUB_URL, HUBBUB_ROOM_ID (ann and bob are
// members), HUBBUB_ANN_TOKEN, HUBBUB_BOB_TOKEN, HUBBUB_REVOKED_TOKEN (a logged-out session),
// HUBBUB_CAROL_TOKEN + HUBBUB_CAROL_REFRESH (a session this test logs out), HUBBUB_DAN_TOKEN
// (a user whose sockets this test counts).
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { io } from "socket.io-client";

const env = (name) => {
  const value = process.env[name];
  assert.ok(value, `${name} is not set: run this through tests/e2e/test_js_client.py`);
  return value;
};
const URL = env("HUBBUB_URL");
const ROOM = env("HUBBUB_ROOM_ID");
const CONTRACT_REFUSALS = ["invalid_token", "token_expired", "session_revoked", "too_many_connections"];
const WAIT_MS = 10_000;

const opened = [];
after(() => opened.forEach((socket) => socket.close()));

// A socket whose every event is kept in `socket.seen`, from before the connect on.
function open(auth, options = {}) {
  const socket = io(URL, { auth, reconnection: false, forceNew: true, transports: ["websocket"], ...options });
  socket.seen = [];
  socket.onAny((event, ...args) => socket.seen.push([event, ...args]));
  opened.push(socket);
  return socket;
}

function connected(auth, options) {
  const socket = open(auth, options);
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", reject);
  });
}

function refused(auth) {
  const socket = open(auth);
  return new Promise((resolve, reject) => {
    socket.once("connect", () => reject(new Error("connected, but should have been refused")));
    socket.once("connect_error", resolve);
  });
}

async function until(check, what, timeoutMs = WAIT_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = check();
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const messagesSeen = (socket) => socket.seen.filter(([event]) => event === "message:new").map(([, data]) => data);
const messageSeen = (socket, id) => messagesSeen(socket).find((data) => data.message.message_id === id);

function send(socket, body, clientMsgId = randomUUID()) {
  return socket.timeout(WAIT_MS).emitWithAck("message:send", { room_id: ROOM, body, client_msg_id: clientMsgId });
}

describe("connecting", () => {
  it("connects with a token, over long-polling first and then upgraded, as browsers do", async () => {
    const socket = await connected({ token: env("HUBBUB_ANN_TOKEN") }, { transports: ["polling", "websocket"] });
    const ack = await send(socket, "over the default transports");
    assert.equal(ack.ok, true);
    socket.close();
  });

  it("refuses a token that is not one with invalid_token and a detail", async () => {
    const error = await refused({ token: "not-a-token" });
    assert.equal(error.message, "invalid_token");
    assert.equal(typeof error.data?.detail, "string");
  });

  it("refuses a connect without a token with one of the contract's reasons", async () => {
    const error = await refused({});
    assert.ok(CONTRACT_REFUSALS.includes(error.message), error.message);
  });

  it("refuses a logged-out session's token with session_revoked", async () => {
    const error = await refused({ token: env("HUBBUB_REVOKED_TOKEN") });
    assert.equal(error.message, "session_revoked");
  });

  it("disconnects a session's socket when that session logs out", async () => {
    const socket = await connected({ token: env("HUBBUB_CAROL_TOKEN") });
    const gone = new Promise((resolve) => socket.once("disconnect", resolve));
    const answer = await fetch(`${URL}/api/auth/logout`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${env("HUBBUB_CAROL_TOKEN")}` },
      body: JSON.stringify({ refresh_token: env("HUBBUB_CAROL_REFRESH") }),
    });
    assert.equal(answer.status, 204);
    const started = Date.now();
    await Promise.race([gone, until(() => false, "the disconnect", 3_000)]); // 1 s promised; the machine is loaded
    assert.ok(Date.now() - started < 3_000);
  });

  it("refuses a user's socket past the per-user cap with too_many_connections", async () => {
    const token = env("HUBBUB_DAN_TOKEN");
    const held = [];
    let error;
    for (let n = 0; n < 100 && !error; n += 1) {
      try {
        held.push(await connected({ token }));
      } catch (refusal) {
        error = refusal;
      }
    }
    assert.ok(error, "100 sockets of one user were all accepted");
    assert.equal(error.message, "too_many_connections");
    assert.ok(held.length >= 1);
    held.forEach((socket) => socket.close());
  });
});

describe("messages", () => {
  it("acknowledges a send and delivers message:new to the other member", async () => {
    const ann = await connected({ token: env("HUBBUB_ANN_TOKEN") });
    const bob = await connected({ token: env("HUBBUB_BOB_TOKEN") });
    const ack = await send(ann, "hello bob");
    assert.equal(ack.ok, true);
    assert.equal(ack.created, true);
    assert.equal(ack.message.body, "hello bob");
    assert.equal(typeof ack.position, "number");
    const delivered = await until(() => messageSeen(bob, ack.message.message_id), "message:new at bob");
    assert.equal(delivered.room_id, ROOM);
    assert.equal(delivered.message.body, "hello bob");
    assert.equal(typeof delivered.at, "string");
    assert.ok(delivered.position > 0 && delivered.position <= ack.position);
    ann.close();
    bob.close();
  });

  it("answers the same client_msg_id again with the same message, created false", async () => {
    const ann = await connected({ token: env("HUBBUB_ANN_TOKEN") });
    const id = randomUUID();
    const first = await send(ann, "only once", id);
    const again = await send(ann, "only once", id);
    assert.equal(again.ok, true);
    assert.equal(again.created, false);
    assert.equal(again.message.message_id, first.message.message_id);
    ann.close();
  });

  it("answers bad input and unknown events with error acks and stays connected", async () => {
    const ann = await connected({ token: env("HUBBUB_ANN_TOKEN") });
    const bad = await ann.timeout(WAIT_MS).emitWithAck("message:send", { room_id: ROOM, client_msg_id: randomUUID() });
    assert.equal(bad.ok, false);
    assert.equal(bad.error.code, "invalid_input");
    const unknown = await ann.timeout(WAIT_MS).emitWithAck("no:such-event", {});
    assert.equal(unknown.ok, false);
    assert.equal(unknown.error.code, "unknown_event");
    assert.equal(ann.connected, true);
    assert.equal((await send(ann, "still here")).ok, true);
    ann.close();
  });
});

describe("reconnecting", () => {
  it("gets what was missed after `since`, in order, then sync:done, then live events", async () => {
    const ann = await connected({ token: env("HUBBUB_ANN_TOKEN") });
    let bob = await connected({ token: env("HUBBUB_BOB_TOKEN") });
    const seen = await send(ann, "before the disconnect");
    const last = await until(() => messageSeen(bob, seen.message.message_id), "the last event bob saw");
    bob.close();

    const missed = [];
    for (const body of ["missed one", "missed two", "missed three"]) missed.push(await send(ann, body));

    bob = await connected({ token: env("HUBBUB_BOB_TOKEN"), since: last.position });
    const done = await until(() => bob.seen.find(([event]) => event === "sync:done"), "sync:done");
    const doneAt = bob.seen.indexOf(done);
    const replayed = bob.seen.slice(0, doneAt).filter(([event]) => event === "message:new").map(([, data]) => data);
    assert.deepEqual(replayed.map((data) => data.message.message_id), missed.map((ack) => ack.message.message_id));
    assert.ok(replayed.every((data) => data.position > last.position));
    assert.ok(replayed.every((data, n) => n === 0 || data.position > replayed[n - 1].position));
    assert.ok(done[1].position >= missed.at(-1).position);

    const live = await send(ann, "after the replay");
    await until(() => messageSeen(bob, live.message.message_id), "the live event after sync:done");
    const ids = messagesSeen(bob).map((data) => data.message.message_id);
    assert.equal(new Set(ids).size, ids.length, "an event arrived twice");
    ann.close();
    bob.close();
  });
});

describe("live signals", () => {
  it("shows bob ann's typing once when it starts and once when it stops, never ann herself", async () => {
    const ann = await connected({ token: env("HUBBUB_ANN_TOKEN"), since: 0 });
    const bob = await connected({ token: env("HUBBUB_BOB_TOKEN"), since: 0 });
    await until(() => bob.seen.find(([event]) => event === "sync:done"), "bob's sync:done");
    await until(() => ann.seen.find(([event]) => event === "sync:done"), "ann's sync:done");
    for (let n = 0; n < 5; n++) {
      assert.deepEqual(await ann.timeout(WAIT_MS).emitWithAck("typing:start", { room_id: ROOM }), { ok: true });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual(await ann.timeout(WAIT_MS).emitWithAck("typing:stop", { room_id: ROOM }), { ok: true });
    const typing = () => bob.seen.filter(([event]) => event === "typing").map(([, data]) => data);
    await until(() => typing().length === 2, "two typing events at bob");
    assert.deepEqual(typing().map((data) => [data.room_id, data.typing]), [[ROOM, true], [ROOM, false]]);
    assert.equal(ann.seen.filter(([event]) => event === "typing").length, 0);
    ann.close();
    bob.close();
  });

  it("acknowledges a read mark once it is written, with the position recorded", async () => {
    const ann = await connected({ token: env("HUBBUB_ANN_TOKEN") });
    const sent = await send(ann, "read me");
    const ack = await ann.timeout(WAIT_MS).emitWithAck("read:mark", { room_id: ROOM, up_to_position: sent.position });
    assert.deepEqual(ack, { ok: true, last_read_position: sent.position });
    const bad = await ann.timeout(WAIT_MS).emitWithAck("read:mark", { room_id: ROOM, up_to_position: -1 });
    assert.equal(bad.ok, false);
    assert.equal(bad.error.code, "invalid_input");
    ann.close();
  });
});
