// AWS Bedrock's Converse API (POST {base}/model/{id}/converse, and /converse-stream), as
// Bedrock providers are called: a CompleteRequest into a request body, and its answer, its
// errors (named by the x-amzn-ErrorType header) and its event stream (wire/aws_event_stream.h)
// back into the chat model. System text is a `system` list; content blocks are text, image
// (bytes only: Converse fetches no URL), toolUse and toolResult; tools are toolSpecs. A
// json_schema answer is asked for as a forced call to one tool whose input is the answer,
// as for Anthropic (wire/anthropic_messages.h). docs/design.md lists what each field becomes.
// Pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/messages.h"
#include "wire/outcome.h"

namespace switchyard {

std::string EncodeBedrockRequest(const CompleteRequest& req, const std::vector<Message>& messages,
                                 int64_t max_tokens);
ParsedResponse DecodeBedrockResponse(const HttpReply& reply, const CompleteRequest& req);

// What a Bedrock error is, from its type (ThrottlingException, ModelNotReadyException, ...;
// the header's value or the stream exception's name, either case) and message: throttling
// and quota rate limited, the model not ready or failing a server error, validation the
// client's unless it says the prompt is too long; `status` decides the rest.
ParsedResponse ClassifyBedrockError(int64_t status, std::string_view type,
                                    std::string_view message);

// Converse's stopReason in the protocol's words.
std::string BedrockFinishReason(std::string_view stop_reason);

// Why Bedrock cannot carry `req` as it is ("" when it can): an image given by URL.
std::string BedrockCannotCarry(const CompleteRequest& req);

}  // namespace switchyard
