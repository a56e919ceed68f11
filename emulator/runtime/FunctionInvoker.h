#pragma once

// What the local endpoints (gateway::LocalServer) need of whatever runs the function: the
// InstancePool in web-server mode, the JobPool in non-web-server mode.

#include <functional>
#include <memory>

#include <QString>

#include "FunctionImage.h"
#include "config/FunctionConfig.h"
#include "http/HttpMessage.h"
#include "telemetry/InvocationRecord.h"

namespace Fcemu::Runtime {

class FunctionInvoker
{
public:
    // Called on the invoker's thread with the finished invocation's record.
    using Callback = std::function<void(const Telemetry::InvocationRecord &)>;

    virtual ~FunctionInvoker() = default;

    virtual const Config::FunctionConfig &config() const = 0;
    virtual const std::shared_ptr<PreparedImage> &image() const = 0;

    // Queues an invocation and returns its request id at once; `done` is called with its
    // record. http: the client's request passed through; otherwise request.body is the event.
    virtual QString submit(const Http::HttpRequest &request, bool http, Callback done = {},
                           bool async = false) = 0;
};

} // namespace Fcemu::Runtime
