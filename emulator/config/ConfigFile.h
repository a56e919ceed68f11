#pragma once

#include <QString>
#include <QStringList>

#include "common/Error.h"
#include "config/FunctionConfig.h"

namespace Fcemu::Config {

enum class ConfigFormat {
    ServerlessDevsFc,  // s.yaml, edition 1.0.0, component fc: services.*.props.function
    ServerlessDevsFc3, // s.yaml, edition 3.0.0, component fc3: resources.*.props
    Funcraft,          // template.yml: Resources of Aliyun::Serverless::Service/Function
    Plain,             // the toJson() shape, as JSON (or YAML)
};

QString formatName(ConfigFormat format);

// Reads a function configuration file (CONTRACT §1.1 --config) on top of the defaults. The
// format is detected from the content: s.yaml of Serverless Devs `fc` or `fc3`, a
// Funcraft template.yml, or a function JSON in the toJson() shape. When the file defines
// several functions, the one whose name (or resource key) is `functionName` is taken, or
// without a name the first custom-container one. Keys fcemu has no use for (triggers,
// vpcConfig, logConfig, ...) are ignored. An s.yaml's Serverless Devs variables are resolved
// as `s` resolves them (config/Variables.h); an undefined one is an error. Every error is
// ErrorKind::Usage, one line: "FILE:LINE: key.path: what is wrong" (the line where known).
// A file of component fc3 sets billing to fc3.
// accountId is what ${config('AccountID')} gives (--account-id; empty: ALIBABA_CLOUD_ACCOUNT_ID).
Result<FunctionConfig> loadConfigFile(const QString &path, const QString &functionName = {},
                                      const QString &accountId = {});

// The detected format of a file, for messages and the GUI.
Result<ConfigFormat> detectConfigFormat(const QString &path);

// The names of the custom-container functions a file defines, in file order (for a
// picker in the GUI, and for "which one?" messages).
Result<QStringList> listConfigFunctions(const QString &path, const QString &accountId = {});

} // namespace Fcemu::Config
