#pragma once

// Serverless Devs' variables in an s.yaml, resolved as `s` resolves them before a component
// sees its props (docs.serverless-devs.com, "yaml specification": variables):
//   ${vars.x}                    the file's top-level `vars` (nested: ${vars.a.b})
//   ${env('X')}, ${env(X)}, ${env.X}
//                                the environment, then a `.env` file beside the s.yaml (loaded
//                                as dotenv loads it: the environment wins)
//   ${this.props.x}              the props of the resource being read
//   ${resources.NAME.props.x}    another resource's props (edition 1.0.0: services.NAME.props)
//   ${config('AccountID')}       the account id (ALIBABA_CLOUD_ACCOUNT_ID)
// A reference that is the whole value keeps the referenced value's type (a number stays a
// number); inside text it is spliced in as text. ${resources.NAME.output.x} is only known after
// `s deploy`, and an undefined reference is an error naming it, as `s` refuses to go on.

#include <QProcessEnvironment>
#include <QString>

#include "common/Error.h"
#include "config/ConfigTree.h"

namespace Fcemu::Config::detail {

struct VariableContext
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    QString dotEnvFile; // empty: none
    QString accountId;  // empty: ALIBABA_CLOUD_ACCOUNT_ID from the environment
};

// Reads a .env file as dotenv does: KEY=VALUE lines, `#` comments, optional `export `, single
// or double quotes around the value. A missing file is an empty environment.
QProcessEnvironment readDotEnv(const QString &path);

// Resolves every ${...} in the string values of root in place. Errors are Usage errors with
// the key path and line.
Status resolveVariables(Json &root, const Source &source, const VariableContext &context);

} // namespace Fcemu::Config::detail
