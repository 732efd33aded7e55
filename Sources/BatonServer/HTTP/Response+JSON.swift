import BatonCore
import HTTPTypes
import Hummingbird
import NIOCore

extension Response {
    /// A response whose body is `value` as compact JSON.
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, contentType: String = "application/json", headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = contentType
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: value.serialized())))
    }

    static func text(_ text: String, contentType: String = "text/plain; charset=utf-8") -> Response {
        Response(status: .ok, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
