import { describe, expect, it } from 'vitest';
import { parseWrk } from './wrk';

const sample = `Running 5s test @ http://127.0.0.1:18555/segment.m4s
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     6.21ms    2.10ms  30.11ms   80.00%
    Req/Sec     2.59k   423.62     3.29k    74.51%
  Latency Distribution
     50%    5.84ms
     75%    7.01ms
     90%    8.80ms
     99%   13.46ms
  12951 requests in 5.03s, 6.03GB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:   2573.86
Transfer/sec:      1.20GB
`;

describe('parseWrk', () => {
  it('reads throughput, percentiles and failures', () => {
    const result = parseWrk(sample);
    expect(result).toMatchObject({ requestsPerSecond: 2573.86, p50Ms: 5.84, p99Ms: 13.46, requests: 12951, failed: 7 });
    expect(result.megabytesPerSecond).toBeCloseTo(1288.49, 1);
  });

  it('converts microseconds and seconds', () => {
    const result = parseWrk('     50%  850.00us\n     99%    1.50s\n');
    expect(result.p50Ms).toBeCloseTo(0.85);
    expect(result.p99Ms).toBe(1500);
    expect(result.failed).toBe(0);
  });
});
