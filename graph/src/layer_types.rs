//! Paddle's layer type names: the `type` field of every LayerConfig config_parser.py (April
//! 2018) can write, one constant each, shared by the helpers that build layers and the runtime
//! that lowers them (its tests check that each one is lowered or refused with a reason).

/// `MultiClassCrossEntropySelfNormCostLayer`.
pub const MULTI_CLASS_CROSS_ENTROPY_WITH_SELFNORM: &str = "multi_class_cross_entropy_with_selfnorm";
/// `CrossEntropyOverBeamLayer`.
pub const CROSS_ENTROPY_OVER_BEAM: &str = "cross_entropy_over_beam";
/// `FCLayer`.
pub const FC: &str = "fc";
/// `MKLDNNFcLayer`.
pub const MKLDNN_FC: &str = "mkldnn_fc";
/// `SelectiveFCLayer`.
pub const SELECTIVE_FC: &str = "selective_fc";
/// `PrintLayer`.
pub const PRINT: &str = "print";
/// `PriorBoxLayer`.
pub const PRIORBOX: &str = "priorbox";
/// `MultiBoxLossLayer`.
pub const MULTIBOX_LOSS: &str = "multibox_loss";
/// `DetectionOutputLayer`.
pub const DETECTION_OUTPUT: &str = "detection_output";
/// `ROIPoolLayer`.
pub const ROI_POOL: &str = "roi_pool";
/// `DataLayer`.
pub const DATA: &str = "data";
/// `DataNormLayer`.
pub const DATA_NORM: &str = "data_norm";
/// `ParameterReluLayer`.
pub const PRELU: &str = "prelu";
/// `ConvLayerBase`.
pub const CONV: &str = "conv";
/// `ConvLayer`.
pub const EXCONV: &str = "exconv";
/// `ConvLayer`.
pub const MKLDNN_CONV: &str = "mkldnn_conv";
/// `ConvLayer`.
pub const CUDNN_CONV: &str = "cudnn_conv";
/// `ConvTransLayerBase`.
pub const CONVT: &str = "convt";
/// `ConvTransLayer`.
pub const EXCONVT: &str = "exconvt";
/// `ConvTransLayer`.
pub const CUDNN_CONVT: &str = "cudnn_convt";
/// `Conv3DLayerBase`.
pub const CONV_3D: &str = "conv_3d";
/// `Conv3DLayer`.
pub const CONV3D: &str = "conv3d";
/// `Conv3DLayer`.
pub const DECONV3D: &str = "deconv3d";
/// `NormLayer`.
pub const NORM: &str = "norm";
/// `PoolLayer`.
pub const POOL: &str = "pool";
/// `MKLDNNPoolLayer`.
pub const MKLDNN_POOL: &str = "mkldnn_pool";
/// `Pool3DLayer`.
pub const POOL3D: &str = "pool3d";
/// `SpatialPyramidPoolLayer`.
pub const SPP: &str = "spp";
/// `UpsampleLayer`.
pub const UPSAMPLE: &str = "upsample";
/// `PadLayer`.
pub const PAD: &str = "pad";
/// `CropLayer`.
pub const CROP: &str = "crop";
/// `BatchNormLayer`.
pub const BATCH_NORM: &str = "batch_norm";
/// `TransLayer`.
pub const TRANS: &str = "trans";
/// `ResizeLayer`.
pub const RESIZE: &str = "resize";
/// `RotateLayer`.
pub const ROTATE: &str = "rotate";
/// `BlockExpandLayer`.
pub const BLOCKEXPAND: &str = "blockexpand";
/// `MaxOutLayer`.
pub const MAXOUT: &str = "maxout";
/// `RowConvLayer`.
pub const ROW_CONV: &str = "row_conv";
/// `ClipLayer`.
pub const CLIP: &str = "clip";
/// `ScaleShiftLayer`.
pub const SCALE_SHIFT: &str = "scale_shift";
/// `HierarchicalSigmoidLayer`.
pub const HSIGMOID: &str = "hsigmoid";
/// `LambdaCost`.
pub const LAMBDA_COST: &str = "lambda_cost";
/// `HuberRegressionLoss`.
pub const HUBER_REGRESSION: &str = "huber_regression";
/// `NCELayer`.
pub const NCE: &str = "nce";
/// `AddToLayer`.
pub const ADDTO: &str = "addto";
/// `MKLDNNAddtoLayer`.
pub const MKLDNN_ADDTO: &str = "mkldnn_addto";
/// `AgentLayer`.
pub const AGENT: &str = "agent";
/// `GatherAgentLayer`.
pub const GATHER_AGENT: &str = "gather_agent";
/// `ScatterAgentLayer`.
pub const SCATTER_AGENT: &str = "scatter_agent";
/// `MultiplexLayer`.
pub const MULTIPLEX: &str = "multiplex";
/// `ExpandLayer`.
pub const EXPAND: &str = "expand";
/// `FeatMapExpandLayer`.
pub const FEATMAP_EXPAND: &str = "featmap_expand";
/// `MaxLayer`.
pub const MAX: &str = "max";
/// `MaxIdLayer`.
pub const MAXID: &str = "maxid";
/// `EosIdLayer`.
pub const EOS_ID: &str = "eos_id";
/// `SequenceLastInstanceLayer`.
pub const SEQLASTINS: &str = "seqlastins";
/// `SequenceFirstInstanceLayer`.
pub const SEQFIRSTINS: &str = "seqfirstins";
/// `SequenceConcatLayer`.
pub const SEQCONCAT: &str = "seqconcat";
/// `SequenceReshapeLayer`.
pub const SEQRESHAPE: &str = "seqreshape";
/// `SubSequenceLayer`.
pub const SUBSEQ: &str = "subseq";
/// `SeqSliceLayer`.
pub const SEQ_SLICE: &str = "seq_slice";
/// `SubNestedSequenceLayer`.
pub const SUB_NESTED_SEQ: &str = "sub_nested_seq";
/// `DotProdLayer`.
pub const DOT_PROD: &str = "dot_prod";
/// `OuterProdLayer`.
pub const OUT_PROD: &str = "out_prod";
/// `PowerLayer`.
pub const POWER: &str = "power";
/// `SlopeInterceptLayer`.
pub const SLOPE_INTERCEPT: &str = "slope_intercept";
/// `ScalingLayer`.
pub const SCALING: &str = "scaling";
/// `ConvShiftLayer`.
pub const CONV_SHIFT: &str = "conv_shift";
/// `ConvexCombinationLayer`.
pub const CONVEX_COMB: &str = "convex_comb";
/// `InterpolationLayer`.
pub const INTERPOLATION: &str = "interpolation";
/// `BilinearInterpLayer`.
pub const BILINEAR_INTERP: &str = "bilinear_interp";
/// `SumToOneNormLayer`.
pub const SUM_TO_ONE_NORM: &str = "sum_to_one_norm";
/// `RowL2NormLayer`.
pub const ROW_L2_NORM: &str = "row_l2_norm";
/// `CosSimLayer`.
pub const COS: &str = "cos";
/// `CosSimVecMatLayer`.
pub const COS_VM: &str = "cos_vm";
/// `L2DistanceLayer`.
pub const L2_DISTANCE: &str = "l2_distance";
/// `SamplingIdLayer`.
pub const SAMPLING_ID: &str = "sampling_id";
/// `AverageLayer`.
pub const AVERAGE: &str = "average";
/// `TensorLayer`.
pub const TENSOR: &str = "tensor";
/// `MixedLayer`.
pub const MIXED: &str = "mixed";
/// `ConcatenateLayer`.
pub const CONCAT: &str = "concat";
/// `MKLDNNConcatLayer`.
pub const MKLDNN_CONCAT: &str = "mkldnn_concat";
/// `ConcatenateLayer2`.
pub const CONCAT2: &str = "concat2";
/// `RecurrentLayer`.
pub const RECURRENT: &str = "recurrent";
/// `LstmLayer`.
pub const LSTMEMORY: &str = "lstmemory";
/// `LstmStepLayer`.
pub const LSTM_STEP: &str = "lstm_step";
/// `GetOutputLayer`.
pub const GET_OUTPUT: &str = "get_output";
/// `MDLstmLayer`.
pub const MDLSTMEMORY: &str = "mdlstmemory";
/// `GatedRecurrentLayer`.
pub const GATED_RECURRENT: &str = "gated_recurrent";
/// `GruStepLayer`.
pub const GRU_STEP: &str = "gru_step";
/// `CRFLayer`.
pub const CRF: &str = "crf";
/// `CRFDecodingLayer`.
pub const CRF_DECODING: &str = "crf_decoding";
/// `CTCLayer`.
pub const CTC: &str = "ctc";
/// `KmaxSeqScoreLayer`.
pub const KMAX_SEQ_SCORE: &str = "kmax_seq_score";
/// `WarpCTCLayer`.
pub const WARP_CTC: &str = "warp_ctc";
/// `RecurrentLayerGroup`.
pub const RECURRENT_LAYER_GROUP: &str = "recurrent_layer_group";
/// `SwitchOrderLayer`.
pub const SWITCH_ORDER: &str = "switch_order";
/// `ScaleSubRegionLayer`.
pub const SCALE_SUB_REGION: &str = "scale_sub_region";
/// `FactorizationMachineLayer`.
pub const FACTORIZATION_MACHINE: &str = "factorization_machine";
/// `MultiClassCrossEntropy`.
pub const MULTI_CLASS_CROSS_ENTROPY: &str = "multi-class-cross-entropy";
/// `RankingCost`.
pub const RANK_COST: &str = "rank-cost";
/// `AucValidation`.
pub const AUC_VALIDATION: &str = "auc-validation";
/// `PnpairValidation`.
pub const PNPAIR_VALIDATION: &str = "pnpair-validation";
/// `SumOfSquaresCostLayer`.
pub const SQUARE_ERROR: &str = "square_error";
/// `MultiBinaryLabelCrossEntropy`.
pub const MULTI_BINARY_LABEL_CROSS_ENTROPY: &str = "multi_binary_label_cross_entropy";
/// `SoftBinaryClassCrossEntropy`.
pub const SOFT_BINARY_CLASS_CROSS_ENTROPY: &str = "soft_binary_class_cross_entropy";
/// `HuberTwoClassification`.
pub const HUBER_CLASSIFICATION: &str = "huber_classification";
/// `SumCost`.
pub const SUM_COST: &str = "sum_cost";
/// `SmoothL1Cost`.
pub const SMOOTH_L1: &str = "smooth_l1";
/// `BatchNormLayer, on GPU`.
pub const CUDNN_BATCH_NORM: &str = "cudnn_batch_norm";
/// `BatchNormLayer, with use_mkldnn`.
pub const MKLDNN_BATCH_NORM: &str = "mkldnn_batch_norm";
/// `NormLayer, with use_mkldnn`.
pub const MKLDNN_LRN: &str = "mkldnn_lrn";

/// Every type above, in config_parser's order (layer classes, then costs).
pub const ALL: &[&str] = &[
    MULTI_CLASS_CROSS_ENTROPY_WITH_SELFNORM,
    CROSS_ENTROPY_OVER_BEAM,
    FC,
    MKLDNN_FC,
    SELECTIVE_FC,
    PRINT,
    PRIORBOX,
    MULTIBOX_LOSS,
    DETECTION_OUTPUT,
    ROI_POOL,
    DATA,
    DATA_NORM,
    PRELU,
    CONV,
    EXCONV,
    MKLDNN_CONV,
    CUDNN_CONV,
    CONVT,
    EXCONVT,
    CUDNN_CONVT,
    CONV_3D,
    CONV3D,
    DECONV3D,
    NORM,
    POOL,
    MKLDNN_POOL,
    POOL3D,
    SPP,
    UPSAMPLE,
    PAD,
    CROP,
    BATCH_NORM,
    TRANS,
    RESIZE,
    ROTATE,
    BLOCKEXPAND,
    MAXOUT,
    ROW_CONV,
    CLIP,
    SCALE_SHIFT,
    HSIGMOID,
    LAMBDA_COST,
    HUBER_REGRESSION,
    NCE,
    ADDTO,
    MKLDNN_ADDTO,
    AGENT,
    GATHER_AGENT,
    SCATTER_AGENT,
    MULTIPLEX,
    EXPAND,
    FEATMAP_EXPAND,
    MAX,
    MAXID,
    EOS_ID,
    SEQLASTINS,
    SEQFIRSTINS,
    SEQCONCAT,
    SEQRESHAPE,
    SUBSEQ,
    SEQ_SLICE,
    SUB_NESTED_SEQ,
    DOT_PROD,
    OUT_PROD,
    POWER,
    SLOPE_INTERCEPT,
    SCALING,
    CONV_SHIFT,
    CONVEX_COMB,
    INTERPOLATION,
    BILINEAR_INTERP,
    SUM_TO_ONE_NORM,
    ROW_L2_NORM,
    COS,
    COS_VM,
    L2_DISTANCE,
    SAMPLING_ID,
    AVERAGE,
    TENSOR,
    MIXED,
    CONCAT,
    MKLDNN_CONCAT,
    CONCAT2,
    RECURRENT,
    LSTMEMORY,
    LSTM_STEP,
    GET_OUTPUT,
    MDLSTMEMORY,
    GATED_RECURRENT,
    GRU_STEP,
    CRF,
    CRF_DECODING,
    CTC,
    KMAX_SEQ_SCORE,
    WARP_CTC,
    RECURRENT_LAYER_GROUP,
    SWITCH_ORDER,
    SCALE_SUB_REGION,
    FACTORIZATION_MACHINE,
    MULTI_CLASS_CROSS_ENTROPY,
    RANK_COST,
    AUC_VALIDATION,
    PNPAIR_VALIDATION,
    SQUARE_ERROR,
    MULTI_BINARY_LABEL_CROSS_ENTROPY,
    SOFT_BINARY_CLASS_CROSS_ENTROPY,
    HUBER_CLASSIFICATION,
    SUM_COST,
    SMOOTH_L1,
    CUDNN_BATCH_NORM,
    MKLDNN_BATCH_NORM,
    MKLDNN_LRN,
];
