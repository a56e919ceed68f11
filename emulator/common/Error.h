#pragma once

#include <expected>

#include <QString>

namespace Fcemu {

// The failure classes of CONTRACT §1.1; each maps onto one exit status of the command line.
enum class ErrorKind {
    Usage,          // bad usage or configuration (exit 2)
    ImageRefused,   // the image is invalid, hostile or not supported by FC (exit 3)
    Platform,       // the machine cannot run it: sandbox not permitted, startup failure (exit 4)
    FunctionFailed, // the function ran and failed (exit 1)
    Io,             // reading or writing a local file failed (exit 2: the user's input)
    Cancelled,      // the user cancelled (exit 2)
};

// A one-line, actionable error: what went wrong and where.
struct Error
{
    ErrorKind kind = ErrorKind::Usage;
    QString message;

    // "outer: inner" context chaining (crun's crun_error_wrap).
    Error wrapped(const QString &context) const { return {kind, context + u": "_qs + message}; }
};

template <typename T> using Result = std::expected<T, Error>;
using Status = std::expected<void, Error>;

inline std::unexpected<Error> fail(ErrorKind kind, const QString &message)
{
    return std::unexpected(Error{kind, message});
}

int exitCodeFor(ErrorKind kind);

// strerror(errnum) as a QString.
QString errnoText(int errnum);

} // namespace Fcemu
