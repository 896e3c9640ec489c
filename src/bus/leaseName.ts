// Where lease `name` lives: its own KV bucket, <prefix>_lease_<name> (docs/scale-out.md#leases).
// Apart from the bucket code so that the permissions table (pure) can name the bucket too.

export function leaseBucketName(prefix: string, lease: string): string {
  return `${prefix}_lease_${lease}`;
}
