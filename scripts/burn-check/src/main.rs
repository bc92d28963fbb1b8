// Burn's record types (burn-core/burn-nn/burn-optim v0.19.0-v0.21.0), copied as they are declared
// and deserialized, read through rmp_serde as NamedMpkGzFileRecorder does.
use serde::{de::{DeserializeOwned, SeqAccess, Visitor}, Deserialize, Deserializer};
use std::{collections::HashMap, fmt, fs::File, io::BufReader, marker::PhantomData};

#[derive(Deserialize, Debug)]
struct BurnMetadata { float: String, int: String, format: String, version: String, settings: String }

#[derive(Deserialize)]
struct BurnRecord<I> { metadata: BurnMetadata, item: I, _b: PhantomData<()> }

#[derive(Deserialize, Debug, Clone, Copy, PartialEq)]
enum DType { F64, F32, Flex32, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8 }

#[derive(Deserialize, Debug)]
struct TensorData { #[serde(with = "serde_bytes")] bytes: Vec<u8>, shape: Vec<usize>, dtype: DType }
impl TensorData {
    fn check(&self) -> String {
        let n: usize = self.shape.iter().product();
        assert_eq!(self.dtype, DType::F32);
        assert_eq!(self.bytes.len(), 4 * n, "bytes for shape");
        let sum: f64 = self.bytes.chunks(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64).sum();
        format!("{:?} sum={:.6}", self.shape, sum)
    }
}

fn param_id(encoded: &str) -> u64 {
    let bytes = data_encoding::BASE32_DNSSEC.decode(encoded.as_bytes()).expect("Invalid id.");
    let mut buffer = [0u8; 8];
    buffer[..bytes.len()].copy_from_slice(&bytes);
    u64::from_le_bytes(buffer)
}

#[derive(Deserialize, Debug)]
struct ParamSerde { id: String, param: TensorData }
impl ParamSerde { fn check(&self) -> String { format!("id={} {}", param_id(&self.id), self.param.check()) } }

// ConstantRecord (0.19, 0.20) / EmptyRecord (0.21)
struct ConstantRecord;
impl<'de> Deserialize<'de> for ConstantRecord {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_option(serde::de::IgnoredAny).ok();
        Ok(ConstantRecord)
    }
}

// record::primitive::Array<N, T>
struct Array<const N: usize, T>([T; N]);
impl<'de, T: Deserialize<'de>, const N: usize> Deserialize<'de> for Array<N, T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ArrayVisitor<T, const N: usize> { marker: PhantomData<T> }
        impl<'de, T: Deserialize<'de>, const N: usize> Visitor<'de> for ArrayVisitor<T, N> {
            type Value = Array<N, T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result { f.write_str("a fixed size array") }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = vec![];
                for i in 0..N { items.push(seq.next_element()?.ok_or_else(|| serde::de::Error::invalid_length(i, &self))?); }
                Ok(Array(items.try_into().map_err(|_| "An array of size {N}").unwrap()))
            }
        }
        deserializer.deserialize_tuple(N, ArrayVisitor { marker: PhantomData })
    }
}

#[derive(Deserialize)] struct LinearRecordItem { weight: ParamSerde, bias: Option<ParamSerde> }
#[derive(Deserialize)] #[allow(dead_code)]
struct Conv2dRecordItem019 { weight: ParamSerde, bias: Option<ParamSerde>, stride: Array<2, ConstantRecord>, kernel_size: Array<2, ConstantRecord>, dilation: Array<2, ConstantRecord>, groups: ConstantRecord, padding: ConstantRecord }
#[derive(Deserialize)] #[allow(dead_code)]
struct Conv2dRecordItem021 { weight: ParamSerde, bias: Option<ParamSerde>, stride: ConstantRecord, kernel_size: ConstantRecord, dilation: ConstantRecord, groups: ConstantRecord, padding: ConstantRecord }
#[derive(Deserialize)] #[allow(dead_code)]
struct BatchNormRecordItem { gamma: ParamSerde, beta: ParamSerde, running_mean: ParamSerde, running_var: ParamSerde, momentum: ConstantRecord, epsilon: ConstantRecord }

#[derive(Deserialize)] #[allow(dead_code)]
struct CnnItem019 { conv1: Conv2dRecordItem019, pool1: ConstantRecord, conv2: Conv2dRecordItem019, pool2: ConstantRecord, dense1: LinearRecordItem, output: LinearRecordItem }
#[derive(Deserialize)] #[allow(dead_code)]
struct CnnItem021 { conv1: Conv2dRecordItem021, pool1: ConstantRecord, conv2: Conv2dRecordItem021, pool2: ConstantRecord, dense1: LinearRecordItem, output: LinearRecordItem }
#[derive(Deserialize)] #[allow(dead_code)]
struct MlpItem { dense1: LinearRecordItem, dropout1: ConstantRecord, output: LinearRecordItem }
#[derive(Deserialize)] #[allow(dead_code)]
struct BnItem { dense1: LinearRecordItem, bn1: BatchNormRecordItem, output: LinearRecordItem }

// burn-optim
#[derive(Deserialize)] struct AdaptiveMomentumState019 { time: usize, moment_1: TensorData, moment_2: TensorData }
#[derive(Deserialize)] struct AdaptiveMomentumState021 { time: usize, moment_1: TensorData, moment_2: TensorData, max_moment_2: Option<TensorData> }
#[derive(Deserialize)] struct AdamState019 { momentum: AdaptiveMomentumState019 }
#[derive(Deserialize)] struct AdamState021 { momentum: AdaptiveMomentumState021 }
#[derive(Deserialize)] struct MomentumState { velocity: TensorData }
#[derive(Deserialize)] struct SgdState { momentum: Option<MomentumState> }
#[derive(Deserialize)] struct SquareAvgState { square_avg: TensorData }
#[derive(Deserialize)] struct CenteredState { grad_avg: Option<TensorData>, avg: TensorData }
#[derive(Deserialize)] struct RmsPropMomentumState { buf: TensorData }
#[derive(Deserialize)] struct RmsPropState { square_avg: SquareAvgState, centered: CenteredState, momentum: Option<RmsPropMomentumState> }

#[derive(Deserialize)]
enum AdaptorRecordItemV1<S> { Rank0(S), Rank1(S), Rank2(S), Rank3(S), Rank4(S), Rank5(S), Rank6(S), Rank7(S), Rank8(S) }
#[derive(Deserialize)]
enum AdaptorRecordItem<S> { V1(AdaptorRecordItemV1<S>) }
type OptimItem<S> = HashMap<String, AdaptorRecordItem<S>>;

fn load<I: DeserializeOwned>(path: &str) -> BurnRecord<I> {
    let reader = flate2::read::GzDecoder::new(BufReader::new(File::open(path).unwrap()));
    rmp_serde::decode::from_read(reader).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn rank<S>(r: &AdaptorRecordItem<S>) -> (usize, &S) {
    let AdaptorRecordItem::V1(v) = r;
    match v { AdaptorRecordItemV1::Rank0(s) => (0, s), AdaptorRecordItemV1::Rank1(s) => (1, s), AdaptorRecordItemV1::Rank2(s) => (2, s), AdaptorRecordItemV1::Rank3(s) => (3, s), AdaptorRecordItemV1::Rank4(s) => (4, s), AdaptorRecordItemV1::Rank5(s) => (5, s), AdaptorRecordItemV1::Rank6(s) => (6, s), AdaptorRecordItemV1::Rank7(s) => (7, s), AdaptorRecordItemV1::Rank8(s) => (8, s) }
}

fn optim<S: DeserializeOwned>(path: &str, show: impl Fn(&S) -> String) {
    let r: BurnRecord<OptimItem<S>> = load(path);
    let mut keys: Vec<_> = r.item.iter().collect();
    keys.sort_by_key(|(k, _)| k.to_string());
    for (k, v) in keys { let (d, s) = rank(v); println!("  {} rank {} {}", param_id(k), d, show(s)); }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (kind, path) = (args[1].as_str(), args[2].as_str());
    println!("{kind} {path}");
    let lin = |l: &LinearRecordItem| format!("weight {} bias {}", l.weight.check(), l.bias.as_ref().map(|b| b.check()).unwrap_or("none".into()));
    match kind {
        "cnn019" => { let r: BurnRecord<CnnItem019> = load(path); println!("  {:?}", r.metadata); for c in [&r.item.conv1, &r.item.conv2] { println!("  conv {} {}", c.weight.check(), c.bias.as_ref().unwrap().check()); } println!("  dense1 {}\n  output {}", lin(&r.item.dense1), lin(&r.item.output)); }
        "cnn021" => { let r: BurnRecord<CnnItem021> = load(path); for c in [&r.item.conv1, &r.item.conv2] { println!("  conv {}", c.weight.check()); } println!("  dense1 {}", lin(&r.item.dense1)); }
        "mlp" => { let r: BurnRecord<MlpItem> = load(path); println!("  dense1 {}\n  output {}", lin(&r.item.dense1), lin(&r.item.output)); }
        "bn" => { let r: BurnRecord<BnItem> = load(path); let b = &r.item.bn1; println!("  gamma {} beta {} mean {} var {}", b.gamma.check(), b.beta.check(), b.running_mean.check(), b.running_var.check()); }
        "adam019" => optim::<AdamState019>(path, |s| format!("time {} m1 {} m2 {}", s.momentum.time, s.momentum.moment_1.check(), s.momentum.moment_2.check())),
        "adam021" => optim::<AdamState021>(path, |s| format!("time {} m1 {} max {}", s.momentum.time, s.momentum.moment_1.check(), s.momentum.max_moment_2.is_some())),
        "sgd" => optim::<SgdState>(path, |s| format!("velocity {}", s.momentum.as_ref().map(|m| m.velocity.check()).unwrap_or("none".into()))),
        "rmsprop" => optim::<RmsPropState>(path, |s| format!("sq {} grad_avg {} avg {} buf {}", s.square_avg.square_avg.check(), s.centered.grad_avg.as_ref().map(|t| t.check()).unwrap_or("none".into()), s.centered.avg.check(), s.momentum.as_ref().map(|m| m.buf.check()).unwrap_or("none".into()))),
        "unit" => { let r: BurnRecord<()> = load(path); println!("  {:?}", r.item); }
        "usize" => { let r: BurnRecord<usize> = load(path); println!("  {}", r.item); }
        "i32" => { let r: BurnRecord<i32> = load(path); println!("  {}", r.item); }
        "f64" => { let r: BurnRecord<f64> = load(path); println!("  {}", r.item); }
        _ => panic!("kind"),
    }
}
