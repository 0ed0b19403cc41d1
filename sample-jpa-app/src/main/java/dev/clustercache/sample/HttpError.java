package dev.clustercache.sample;

/** An HTTP error answer of a node, with its status and a one-sentence message. */
final class HttpError extends RuntimeException {

	private final int status;

	private HttpError(int status, String message) {
		super(message, null, false, false);
		this.status = status;
	}

	static HttpError badRequest(String message) {
		return new HttpError(400, message);
	}

	static HttpError notFound(String message) {
		return new HttpError(404, message);
	}

	static HttpError conflict(String message) {
		return new HttpError(409, message);
	}

	int status() {
		return status;
	}
}
