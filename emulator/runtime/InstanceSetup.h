#pragma once

#include <QString>

#include "FunctionImage.h"
#include "config/FunctionConfig.h"
#include "sandbox/Sandbox.h"
#include "telemetry/InvocationRecord.h"

// What every kind of invocation shares: the sandbox spec of an FC instance, the clock, and
// closing a record (the reply headers of CONTRACT §6, the billing of §8).
namespace Fcemu::Runtime {

// Monotonic nanoseconds (one clock for every phase).
qint64 monotonicNs();

// A fresh instance address on the sandbox's loopback, 21.0.0.2 .. 21.0.0.251 (FC's instances
// have 21.0.x.x addresses).
QString nextInstanceAddress();

// --debug-args ARGS (split as a shell would, quotes kept together) inserted after argv[0]:
// `node server.js` with "--inspect=0.0.0.0:9229" is `node --inspect=0.0.0.0:9229 server.js`.
// The one log line of a debugging session: FC's timeouts are suspended, and where to attach.
QString debuggingNote(const Config::FunctionConfig &config);

QStringList insertDebugArgs(const QStringList &argv, const QString &debugArgs);

// The sandbox of one FC instance (CONTRACT §3): the command as `docker run` builds it, the image's
// USER, FC's environment plus `extraEnv`, the disk and memory sizes.
Result<Sandbox::SandboxSpec> instanceSpec(const Config::FunctionConfig &config,
                                          const PreparedImage &image, const QString &instanceId,
                                          const QStringList &extraEnv = {});

// Prices the record and adds the reply headers FC (X-Fc-Request-Id, X-Fc-Instance-Id) and the
// emulator (X-Fc-Invocation-Duration, X-Fc-Max-Memory-Usage) send. totalMs must be set.
void closeRecord(Telemetry::InvocationRecord &record, const Config::FunctionConfig &config,
                 const PreparedImage &image);

} // namespace Fcemu::Runtime
