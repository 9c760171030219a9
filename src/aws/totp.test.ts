import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SkybridgeError } from '../core/index.js';
import { normalizeOtpSecret, totpCode, totpStep } from './totp.js';

const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

describe('normalizeOtpSecret', () => {
  it('C18: normalises a secret pasted in lower case with spaces', () => {
    assert.equal(normalizeOtpSecret('gezd gnbv gy3t qojq gezd gnbv gy3t qojq'), RFC_SECRET);
  });

  it('drops dashes, tabs and "=" padding', () => {
    assert.equal(normalizeOtpSecret('GEZD-GNBV-GY3T-QOJQ\tGEZD-GNBV-GY3T-QOJQ===='), RFC_SECRET);
  });

  for (const [name, input] of [
    ['a digit outside base32', 'GEZDGNBVGY3TQOJ1GEZDGNBVGY3TQOJQ'],
    ['a punctuation mark', 'GEZDGNBVGY3TQOJ!GEZDGNBVGY3TQOJQ'],
    ['a length base32 cannot have', `${RFC_SECRET}G`],
    ['nothing but spaces', '   '],
    ['too few characters', 'GEZDGNBV'],
  ] as const) {
    it(`refuses ${name} without repeating the secret`, () => {
      assert.throws(
        () => normalizeOtpSecret(input),
        (error: unknown) =>
          error instanceof SkybridgeError &&
          error.code === 'invalid_otp_secret' &&
          error.status === 400 &&
          error.field === 'iam.otpSecret' &&
          !error.message.includes('GEZD'),
      );
    });
  }
});

describe('totpStep', () => {
  it('counts 30-second steps since the epoch', () => {
    assert.equal(totpStep(0), 0);
    assert.equal(totpStep(29_999), 0);
    assert.equal(totpStep(30_000), 1);
    assert.equal(totpStep(1_000_000), 33);
    assert.equal(totpStep(1_020_000), 34);
  });
});

describe('totpCode', () => {
  it('C18: gives 287082 at Unix time 59 for the pasted form of the RFC secret', () => {
    assert.equal(totpCode('gezd gnbv gy3t qojq gezd gnbv gy3t qojq', totpStep(59_000)), '287082');
  });

  // RFC 6238 appendix B, SHA-1, last six of the eight digits.
  const vectors: [unixSeconds: number, code: string][] = [
    [59, '287082'],
    [1_111_111_109, '081804'],
    [1_111_111_111, '050471'],
    [1_234_567_890, '005924'],
    [2_000_000_000, '279037'],
    [20_000_000_000, '353130'],
  ];
  for (const [seconds, code] of vectors) {
    it(`matches the RFC 6238 vector at Unix ${seconds}: ${code}`, () => {
      assert.equal(totpCode(RFC_SECRET, totpStep(seconds * 1000)), code);
    });
  }

  it('keeps leading zeros (six characters always)', () => {
    assert.equal(totpCode(RFC_SECRET, totpStep(1_234_567_890_000)).length, 6);
  });
});
