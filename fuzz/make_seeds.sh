#!/usr/bin/env bash
# Writes the seed corpus of the `reader` fuzz target into fuzz/seeds/: small real
# flow-log files (header + records, no header, gzip, CRLF, BOM, v5 fields, NODATA,
# damaged lines, a truncated gzip, two gzip members…), each behind the two mode bytes
# the target reads first (see fuzz_targets/reader.rs). Deterministic; run it again after
# changing it and commit the result (it stays well under 100 KB).
set -euo pipefail

SEEDS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/seeds"
rm -rf "$SEEDS"
mkdir -p "$SEEDS"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

HEADER="version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"

# records N: N default-format records, a few sources talking to a MySQL server.
records() {
    local n=$1 i
    for ((i = 0; i < n; i++)); do
        printf '2 123456789012 eni-0a1b2c3d 172.30.0.%d 201.48.16.%d 3306 %d 6 %d %d %d %d %s OK\n' \
            $((10 + i % 3)) $((80 + i % 5)) $((49152 + i)) $((10 + i)) $((2100 + 977 * i)) \
            $((1600221687 + 60 * i)) $((1600221747 + 60 * i)) "$([[ $((i % 7)) == 6 ]] && echo REJECT || echo ACCEPT)"
    done
}

# seed NAME FLAGS CHUNK FILE: the seed is the two mode bytes, then the file.
seed() {
    { printf '%b' "\\x$(printf %02x "$2")\\x$(printf %02x "$3")"; cat "$4"; } >"$SEEDS/$1"
}

{ echo "$HEADER"; records 20; } >"$WORK/plain.log"
records 12 >"$WORK/noheader.log"
sed 's/$/\r/' "$WORK/plain.log" >"$WORK/crlf.log"
{ printf '\xef\xbb\xbf'; cat "$WORK/plain.log"; } >"$WORK/bom.log"
gzip -9 -n -c "$WORK/plain.log" >"$WORK/plain.log.gz"
# Two gzip members (S3 objects concatenated), the second with a repeated header.
{ gzip -n -c "$WORK/plain.log"; { echo "$HEADER"; records 5; } | gzip -n -c; } >"$WORK/multi.log.gz"
# A gzip cut in the middle.
head -c 300 "$WORK/plain.log.gz" >"$WORK/truncated.log.gz"
{
    echo "$HEADER"
    records 3
    echo "2 123456789012 eni-1 - - - - - - - 1600221687 1600222287 - NODATA"
    echo "2 123456789012 eni-1 - - - - - - - 1600222287 1600222887 - SKIPDATA"
    echo "2 123456789012 eni-1 10.0.0.1 10.0.0.999 70000 1 6 x 5 1600221687123 1600221747999 MAYBE OK"
    echo "2 123456789012 eni-1 10.0.0.1"
    echo ""
    echo "srcaddr dstaddr bytes start end log-status"
    echo "2001:db8::1 2001:0db8:0000:0000:0000:0000:0000:0002 10 1600221687 1600221747 OK"
    echo "::ffff:10.0.0.1 fe80::1%eth0 99999999999999999999 4294967296000 - -"
} >"$WORK/mixed.log"
{
    echo "version vpc-id subnet-id instance-id interface-id account-id type srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr protocol bytes packets start end action tcp-flags log-status region az-id sublocation-type sublocation-id pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path"
    echo "5 vpc-0a1 subnet-0b2 i-0c3 eni-0d4 123456789012 IPv4 10.0.1.5 52.95.128.7 443 51000 10.0.1.5 52.95.128.7 6 52000 40 1600221687 1600221747 ACCEPT 19 OK us-east-1 use1-az1 - - - S3 egress 8"
    echo "5 vpc-0a1 subnet-0b2 i-0c3 eni-0d4 123456789012 IPv6 2600:1f18::5 2600:1f18::7 - - - - 17 - - 1600221687 1600221747 REJECT 0 OK us-east-1 use1-az1 wavelength wlid-1 EC2 - ingress -"
} >"$WORK/v5.log"
printf 'srcaddr dstaddr bytes\n10.0.0.1 10.0.0.2 500\n10.0.0.3 10.0.0.2 7\n' >"$WORK/user.log"

# flags: bit 0 text mode, bits 1-3 user format, bit 4 record limit, bit 5 second file,
# bits 6-7 chunk scale (1, 16, 256, whole).
seed plain-raw-chunk7 0x00 6 "$WORK/plain.log"
seed plain-whole-twofiles 0xe0 0 "$WORK/plain.log"
seed plain-limit5 0x10 0x05 "$WORK/plain.log"
seed noheader-chunk1 0x00 0 "$WORK/noheader.log"
seed crlf-chunk2 0x00 1 "$WORK/crlf.log"
seed bom-chunk3 0x00 2 "$WORK/bom.log"
seed gzip-chunk64 0x40 3 "$WORK/plain.log.gz"
seed gzip-multi-chunk5 0x00 4 "$WORK/multi.log.gz"
seed gzip-truncated-chunk13 0x00 12 "$WORK/truncated.log.gz"
seed text-mode-chunk11 0x01 10 "$WORK/plain.log"
seed mixed-chunk9 0x00 8 "$WORK/mixed.log"
seed mixed-twofiles-limit 0x30 0x47 "$WORK/mixed.log"
seed v5-chunk33 0x00 32 "$WORK/v5.log"
seed v5-format4 0x08 20 "$WORK/v5.log"
seed user-format1-chunk4 0x02 3 "$WORK/user.log"
seed user-format1-text 0x03 1 "$WORK/user.log"
seed user-format2-gzip 0x44 1 "$WORK/plain.log.gz"
seed user-format5-text 0x0b 2 "$WORK/mixed.log"
printf 'PK\x03\x04rest of a zip' >"$WORK/zip"
seed zip 0x00 1 "$WORK/zip"
printf 'PAR1\x00\x00' >"$WORK/parquet"
seed parquet 0x00 0 "$WORK/parquet"

du -cb "$SEEDS"/* | tail -n 1 | awk '{ print "make_seeds: " $1 " bytes in seeds/" }'
