import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension SimulatorRoutes {
    /// 503 while the cold start lasts, as vLLM and llama.cpp answer while the weights load.
    func loading() -> Response {
        Response(status: .serviceUnavailable, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string:
            OpenAIBodies.error(message: "The model is loading; the server is not ready yet.", type: "server_error", code: "model_loading"))))
    }

    /// 429 when every slot is busy and the queue is full (backpressure).
    func queueFull() -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        headers[.retryAfter] = "1"
        return Response(status: .tooManyRequests, headers: headers, body: .init(byteBuffer: ByteBuffer(string:
            OpenAIBodies.error(message: "The server is at capacity and its queue is full; try again later.",
                               type: "rate_limit_error", code: "queue_full"))))
    }
}
