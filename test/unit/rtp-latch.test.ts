// RtpLatch: the bookkeeping of symmetric RTP (RFC 4961 practice), without sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RtpLatch } from '../../bridge/rtp/rtp-latch.ts';
import { ipv4ToInt } from '../../bridge/rtp/udp-io.ts';

const SDP = { address: '192.0.2.10', port: 4000 };
const NAT = { address: '198.51.100.7', port: 61000 };

test('RtpLatch: before latching, RTP goes to the SDP address and RTCP to its port + 1', () => {
  const l = new RtpLatch();
  l.setRemote(SDP);
  assert.deepEqual(l.destination, SDP);
  assert.deepEqual(l.rtcpDestination, { address: SDP.address, port: 4001 });
  assert.equal(l.rtpKey, -1);
  assert.equal(l.rtcpKey, -1);
});

test('RtpLatch: an a=rtcp port from the SDP is where RTCP goes', () => {
  const l = new RtpLatch();
  l.setRemote(SDP, 5005);
  assert.deepEqual(l.rtcpDestination, { address: SDP.address, port: 5005 });
});

test('RtpLatch: latching on the first source sends there and keys it as address·65536 + port', () => {
  const l = new RtpLatch();
  l.setRemote(SDP);
  l.latchRtp(NAT);
  assert.deepEqual(l.destination, NAT);
  assert.equal(l.rtpKey, ipv4ToInt(NAT.address) * 65536 + NAT.port);
  l.latchRtcp({ address: NAT.address, port: 61001 });
  assert.deepEqual(l.rtcpDestination, { address: NAT.address, port: 61001 });
  assert.equal(l.rtcpKey, ipv4ToInt(NAT.address) * 65536 + 61001);
});

test('RtpLatch: without an SDP address, RTCP follows the latched RTP source (port + 1)', () => {
  const l = new RtpLatch();
  l.setRemote(undefined);
  assert.equal(l.destination, undefined);
  assert.equal(l.rtcpDestination, undefined);
  l.latchRtp(NAT);
  assert.deepEqual(l.rtcpDestination, { address: NAT.address, port: NAT.port + 1 });
});

test('RtpLatch: a new remote (re-INVITE) drops both latches', () => {
  const l = new RtpLatch();
  l.setRemote(SDP);
  l.latchRtp(NAT);
  l.latchRtcp({ address: NAT.address, port: 61001 });
  const moved = { address: '192.0.2.20', port: 6000 };
  l.setRemote(moved);
  assert.deepEqual(l.destination, moved);
  assert.equal(l.latchedRtp, undefined);
  assert.equal(l.latchedRtcp, undefined);
  assert.equal(l.rtpKey, -1);
  assert.equal(l.rtcpKey, -1);
});

test('RtpLatch: restored remotes keep the RTCP address they had', () => {
  const l = new RtpLatch();
  l.setRemote(undefined);
  l.restoreRemotes(SDP, { address: SDP.address, port: 5005 });
  assert.deepEqual(l.destination, SDP);
  assert.deepEqual(l.rtcpDestination, { address: SDP.address, port: 5005 });
});
