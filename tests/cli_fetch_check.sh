# scripts/fetch-models.sh --check verifies the data folder's models by
# sha256, and catches a tampered copy.
. "$(dirname "$0")/lib/cli.sh"
need_data
S="$(dirname "$0")/../scripts/fetch-models.sh"
bash "$S" --check "$DATA" > /dev/null || fail "--check on the data folder"
mkdir -p "$T/d/models/imagenet"
for f in "$DATA"/models/imagenet/*.tflite "$DATA"/models/imagenet/labels.txt; do ln -s "$f" "$T/d/models/imagenet/"; done
rm "$T/d/models/imagenet/mobilenet_v1_0.25_128_quant.tflite"
head -c 1000 "$DATA/models/imagenet/mobilenet_v1_0.25_128_quant.tflite" > "$T/d/models/imagenet/mobilenet_v1_0.25_128_quant.tflite"
expect_fail nz "mobilenet_v1_0.25_128_quant" bash "$S" --check "$T/d"
finish
