#!/bin/sh
# The certificates that protect Temporal's frontend (mutual TLS), for `npm run stack` and for
# docker-compose.yml's one-shot `temporal-certs` service: the same files, made the same way.
#
#   sh scripts/temporal-certs.sh DIR
#
# Two private CAs, so that a client certificate never opens the cluster's own ports:
#   DIR/ca/server-ca.{pem,key}  signs the frontend's and the internode certificate
#   DIR/ca/client-ca.{pem,key}  signs the clients' certificates
# and one folder per consumer, holding only what it needs (the server CA to check the frontend):
#   DIR/temporal/      frontend.{pem,key}, internode.{pem,key}, server-ca.pem, client-ca.pem
#   DIR/kyc/           kyc.{pem,key}           the API, workers, relay and ops scripts
#   DIR/temporal-ui/   temporal-ui.{pem,key}   the Temporal UI server
#   DIR/temporal-cli/  temporal-cli.{pem,key}  the `temporal` CLI (namespace, search attributes)
#
# Idempotent: a CA is made once; a certificate is made again only when it is missing, expires
# within TEMPORAL_CERT_RENEW_DAYS or was not signed by the current CA (after a CA rotation).
#
# Settings (environment):
#   TEMPORAL_CERT_HOSTS       names and addresses clients reach the frontend by (default
#                             localhost,127.0.0.1); every one goes into the server certificates
#   TEMPORAL_CERT_DAYS        validity of a certificate (default 90)
#   TEMPORAL_CERT_RENEW_DAYS  made again this long before it expires (default 30)
#   TEMPORAL_CERT_CA_DAYS     validity of a CA (default 1825)
#   TEMPORAL_CERT_OWNER       uid:gid to own the consumer folders (containers running as that user)
set -eu

DIR=${1:?usage: temporal-certs.sh DIR}
HOSTS=${TEMPORAL_CERT_HOSTS:-localhost,127.0.0.1}
DAYS=${TEMPORAL_CERT_DAYS:-90}
RENEW_DAYS=${TEMPORAL_CERT_RENEW_DAYS:-30}
CA_DAYS=${TEMPORAL_CERT_CA_DAYS:-1825}
command -v openssl >/dev/null 2>&1 || { echo "temporal-certs: openssl is needed (Debian: apt-get install openssl; Alpine: apk add openssl)" >&2; exit 1; }

umask 077
mkdir -p "$DIR/ca" "$DIR/temporal" "$DIR/kyc" "$DIR/temporal-ui" "$DIR/temporal-cli"
WORK=$(mktemp -d "$DIR/.work.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

SAN=""
for host in $(echo "$HOSTS" | tr ',' ' '); do
  case "$host" in
    *[!0-9.]*) case "$host" in *:*) entry="IP:$host" ;; *) entry="DNS:$host" ;; esac ;;
    *) entry="IP:$host" ;;
  esac
  SAN="${SAN:+$SAN,}$entry"
done

# openssl req reads a configuration file; an empty one, so the system's defaults add nothing.
printf '[req]\ndistinguished_name = dn\n[dn]\n' > "$WORK/req.cnf"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
serial() { echo "0x$(openssl rand -hex 16)"; }

ca() {
  name=$1 subject=$2
  [ -f "$DIR/ca/$name.pem" ] && [ -f "$DIR/ca/$name.key" ] && return 0
  key "$WORK/$name.key"
  openssl req -x509 -new -config "$WORK/req.cnf" -key "$WORK/$name.key" -subj "/CN=$subject" -days "$CA_DAYS" -sha256 -set_serial "$(serial)" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign" -addext "subjectKeyIdentifier=hash" \
    -out "$WORK/$name.pem"
  mv "$WORK/$name.key" "$DIR/ca/$name.key"
  mv "$WORK/$name.pem" "$DIR/ca/$name.pem"
  echo "temporal-certs: made the CA $DIR/ca/$name.pem ($subject)"
}

# issue NAME FOLDER CA EXTENDED-KEY-USAGE [SAN]
issue() {
  name=$1 folder=$2 signer=$3 usage=$4 san=${5:-}
  cert="$DIR/$folder/$name.pem" private="$DIR/$folder/$name.key"
  if [ -f "$cert" ] && [ -f "$private" ] \
    && openssl x509 -in "$cert" -noout -checkend $((RENEW_DAYS * 86400)) >/dev/null 2>&1 \
    && openssl verify -CAfile "$DIR/ca/$signer.pem" "$cert" >/dev/null 2>&1; then
    return 0
  fi
  {
    echo "basicConstraints = critical, CA:FALSE"
    echo "keyUsage = critical, digitalSignature"
    echo "extendedKeyUsage = $usage"
    echo "subjectKeyIdentifier = hash"
    echo "authorityKeyIdentifier = keyid"
    if [ -n "$san" ]; then echo "subjectAltName = $san"; fi
  } > "$WORK/$name.ext"
  key "$WORK/$name.key"
  openssl req -new -config "$WORK/req.cnf" -key "$WORK/$name.key" -subj "/CN=$name" -out "$WORK/$name.csr"
  openssl x509 -req -in "$WORK/$name.csr" -CA "$DIR/ca/$signer.pem" -CAkey "$DIR/ca/$signer.key" -set_serial "$(serial)" \
    -days "$DAYS" -sha256 -extfile "$WORK/$name.ext" -out "$WORK/$name.pem" 2>/dev/null
  mv "$WORK/$name.key" "$private"
  mv "$WORK/$name.pem" "$cert"
  chmod 644 "$cert"
  echo "temporal-certs: issued $cert (signed by $signer, $DAYS days)"
}

ca server-ca "Temporal server CA"
ca client-ca "Temporal client CA"

issue frontend temporal server-ca serverAuth "$SAN"
# Internode: history, matching and the system worker call each other with it (client and server).
issue internode temporal server-ca "serverAuth, clientAuth" "$SAN"
issue kyc kyc client-ca clientAuth
issue temporal-ui temporal-ui client-ca clientAuth
issue temporal-cli temporal-cli client-ca clientAuth

for folder in temporal kyc temporal-ui temporal-cli; do
  cp "$DIR/ca/server-ca.pem" "$DIR/$folder/server-ca.pem"
done
cp "$DIR/ca/client-ca.pem" "$DIR/temporal/client-ca.pem"
chmod 755 "$DIR/temporal" "$DIR/kyc" "$DIR/temporal-ui" "$DIR/temporal-cli"
chmod 644 "$DIR"/*/server-ca.pem "$DIR/temporal/client-ca.pem"
if [ -n "${TEMPORAL_CERT_OWNER:-}" ]; then
  chown -R "$TEMPORAL_CERT_OWNER" "$DIR/temporal" "$DIR/kyc" "$DIR/temporal-ui" "$DIR/temporal-cli"
fi
