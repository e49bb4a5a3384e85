package dev.backprop.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backprop.data.DigitImages;
import java.io.IOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code POST /api/predict}: an image (PNG, JPEG, BMP or GIF bytes with its content type), prepared as
 * {@code backprop predict} prepares it, or {@code {"pixels": [784 numbers in 0..1]}}, taken as the 28×28 input
 * itself (light on dark, as an MNIST image is). The answer: {@code {"digit", "probabilities", "input"}}, and with
 * {@code ?detail=1} (or {@code "detail": true} in the JSON) the feature maps and the saliency too.
 */
record PredictApi(Workers workers, ServerLimits limits) implements ApiEndpoint.Work {

  static final Set<String> MEDIA_TYPES = Set.of("application/json", "image/png", "image/jpeg", "image/bmp",
      "image/gif");

  private static final int PIXELS = DigitImages.SIDE * DigitImages.SIDE;
  private static final Set<String> FIELDS = Set.of("pixels", "detail");

  @Override
  public Object answer(ApiEndpoint.Request request) throws IOException, InterruptedException {
    boolean detail = flag(request.query().get("detail"));
    if (request.mediaType().equals("application/json")) {
      JsonNode json = Responses.readJson(request.body());
      Responses.refuseUnknownFields(json, FIELDS);
      float[] input = pixels(json.get("pixels"));
      JsonNode asked = json.get("detail");
      if (asked != null && !asked.isBoolean()) {
        throw new ApiError(400, "detail: expected true or false, not " + asked);
      }
      boolean withDetail = detail || asked != null && asked.booleanValue();
      return json(workers.compute(predictor -> predictor.predict(input, withDetail), limits.timeLimit()));
    }
    byte[] image = request.body();
    return json(workers.compute(predictor -> {
      byte[] prepared = DigitImages.read(image, "the request body", limits.maxImagePixels());
      float[] input = new float[prepared.length];
      for (int i = 0; i < prepared.length; i++) {
        input[i] = Byte.toUnsignedInt(prepared[i]) / 255f; // as DigitImages.normalized divides
      }
      return predictor.predict(input, detail);
    }, limits.timeLimit()));
  }

  private static Map<String, Object> json(Predictor.Prediction prediction) {
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("digit", prediction.digit());
    answer.put("probabilities", prediction.probabilities());
    answer.put("input", prediction.input());
    if (prediction.featureMaps() != null) {
      List<Map<String, Object>> maps = prediction.featureMaps().stream().map(map -> {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("layer", map.layer());
        json.put("shape", new int[] {map.channels(), map.height(), map.width()});
        json.put("values", map.values());
        return json;
      }).toList();
      answer.put("feature_maps", maps);
      answer.put("saliency", prediction.saliency());
    }
    return answer;
  }

  private static float[] pixels(JsonNode pixels) {
    if (pixels == null || !pixels.isArray()) {
      throw new ApiError(400, "pixels: expected an array of " + PIXELS + " numbers in 0..1 (28 rows of 28)");
    }
    if (pixels.size() != PIXELS) {
      throw new ApiError(400, "pixels: expected " + PIXELS + " numbers (28 rows of 28), got " + pixels.size());
    }
    float[] values = new float[PIXELS];
    Iterator<JsonNode> elements = pixels.elements();
    for (int i = 0; i < PIXELS; i++) {
      JsonNode element = elements.next();
      if (!element.isNumber()) {
        throw new ApiError(400, "pixels[" + i + "]: " + element + " is not a number");
      }
      double value = element.doubleValue();
      if (!(value >= 0 && value <= 1)) {
        throw new ApiError(400, "pixels[" + i + "]: " + element + " is outside 0..1");
      }
      values[i] = element.floatValue(); // the nearest float to the number as written
    }
    return values;
  }

  /** ?detail, ?detail=1 and ?detail=true ask for it; absent, 0 or false do not. */
  private static boolean flag(String value) {
    if (value == null || value.equals("0") || value.equals("false")) {
      return false;
    }
    if (value.isEmpty() || value.equals("1") || value.equals("true")) {
      return true;
    }
    throw new ApiError(400, "detail: expected 1 or 0, not '" + value + "'");
  }
}
