import type { Logger, Metrics } from '../publishing/ports';

type Write = (line: string) => void;

/** One JSON object per line, as CloudWatch Logs Insights reads them. */
export function jsonLogger(
  service: string,
  write: Write = (line) => process.stdout.write(`${line}\n`),
): Logger {
  const emit =
    (level: string) =>
    (message: string, details: Record<string, unknown> = {}) =>
      write(JSON.stringify({ level, message, service, timestamp: new Date().toISOString(), ...details }));
  return { info: emit('INFO'), warn: emit('WARN'), error: emit('ERROR') };
}

/** Counts as CloudWatch Embedded Metric Format lines: metrics without an API call. */
export function embeddedMetrics(
  namespace: string,
  write: Write = (line) => process.stdout.write(`${line}\n`),
): Metrics {
  return {
    count(name: string, value = 1) {
      write(
        JSON.stringify({
          _aws: {
            Timestamp: Date.now(),
            CloudWatchMetrics: [
              { Namespace: namespace, Dimensions: [[]], Metrics: [{ Name: name, Unit: 'Count' }] },
            ],
          },
          [name]: value,
        }),
      );
    },
  };
}
