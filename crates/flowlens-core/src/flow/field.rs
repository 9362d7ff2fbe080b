//! The fields a VPC flow-log record can carry (versions 2 to 8), with their AWS names,
//! the version that introduced them and the kind of value they hold.
//!
//! Header lines name fields with hyphens (`log-status`); Parquet and some exports use
//! underscores (`log_status`). Both spellings are accepted by [`Field::from_name`].

/// What kind of value a field holds; decides how it is validated and printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// Unsigned integer (printed as a JSON number).
    Int,
    /// IPv4 or IPv6 address.
    Addr,
    /// Free text (ids, names, enumerations such as `ACCEPT`).
    Text,
}

macro_rules! fields {
    ($( $variant:ident = $name:literal, $version:literal, $kind:ident; )*) => {
        /// One known flow-log field.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Field { $( $variant, )* }

        impl Field {
            /// Every known field, in the order of the AWS documentation.
            pub const ALL: &'static [Field] = &[ $( Field::$variant, )* ];

            /// The AWS name, hyphenated, as in a header line.
            pub fn name(self) -> &'static str {
                match self { $( Field::$variant => $name, )* }
            }

            /// The flow-log version that introduced the field.
            pub fn version(self) -> u8 {
                match self { $( Field::$variant => $version, )* }
            }

            /// The kind of value the field holds.
            pub fn kind(self) -> FieldKind {
                match self { $( Field::$variant => FieldKind::$kind, )* }
            }
        }
    };
}

fields! {
    Version = "version", 2, Int;
    AccountId = "account-id", 2, Text;
    InterfaceId = "interface-id", 2, Text;
    Srcaddr = "srcaddr", 2, Addr;
    Dstaddr = "dstaddr", 2, Addr;
    Srcport = "srcport", 2, Int;
    Dstport = "dstport", 2, Int;
    Protocol = "protocol", 2, Int;
    Packets = "packets", 2, Int;
    Bytes = "bytes", 2, Int;
    Start = "start", 2, Int;
    End = "end", 2, Int;
    Action = "action", 2, Text;
    LogStatus = "log-status", 2, Text;
    VpcId = "vpc-id", 3, Text;
    SubnetId = "subnet-id", 3, Text;
    InstanceId = "instance-id", 3, Text;
    TcpFlags = "tcp-flags", 3, Int;
    Type = "type", 3, Text;
    PktSrcaddr = "pkt-srcaddr", 3, Addr;
    PktDstaddr = "pkt-dstaddr", 3, Addr;
    Region = "region", 4, Text;
    AzId = "az-id", 4, Text;
    SublocationType = "sublocation-type", 4, Text;
    SublocationId = "sublocation-id", 4, Text;
    PktSrcAwsService = "pkt-src-aws-service", 5, Text;
    PktDstAwsService = "pkt-dst-aws-service", 5, Text;
    FlowDirection = "flow-direction", 5, Text;
    TrafficPath = "traffic-path", 5, Int;
    ResourceType = "resource-type", 6, Text;
    TgwId = "tgw-id", 6, Text;
    TgwAttachmentId = "tgw-attachment-id", 6, Text;
    TgwSrcVpcAccountId = "tgw-src-vpc-account-id", 6, Text;
    TgwDstVpcAccountId = "tgw-dst-vpc-account-id", 6, Text;
    TgwSrcVpcId = "tgw-src-vpc-id", 6, Text;
    TgwDstVpcId = "tgw-dst-vpc-id", 6, Text;
    TgwSrcSubnetId = "tgw-src-subnet-id", 6, Text;
    TgwDstSubnetId = "tgw-dst-subnet-id", 6, Text;
    TgwSrcEni = "tgw-src-eni", 6, Text;
    TgwDstEni = "tgw-dst-eni", 6, Text;
    TgwSrcAzId = "tgw-src-az-id", 6, Text;
    TgwDstAzId = "tgw-dst-az-id", 6, Text;
    TgwPairAttachmentId = "tgw-pair-attachment-id", 6, Text;
    PacketsLostNoRoute = "packets-lost-no-route", 6, Int;
    PacketsLostBlackhole = "packets-lost-blackhole", 6, Int;
    PacketsLostMtuExceeded = "packets-lost-mtu-exceeded", 6, Int;
    PacketsLostTtlExpired = "packets-lost-ttl-expired", 6, Int;
    EcsClusterArn = "ecs-cluster-arn", 7, Text;
    EcsClusterName = "ecs-cluster-name", 7, Text;
    EcsContainerInstanceArn = "ecs-container-instance-arn", 7, Text;
    EcsContainerInstanceId = "ecs-container-instance-id", 7, Text;
    EcsContainerId = "ecs-container-id", 7, Text;
    EcsSecondContainerId = "ecs-second-container-id", 7, Text;
    EcsServiceName = "ecs-service-name", 7, Text;
    EcsTaskDefinitionArn = "ecs-task-definition-arn", 7, Text;
    EcsTaskArn = "ecs-task-arn", 7, Text;
    EcsTaskId = "ecs-task-id", 7, Text;
    RejectReason = "reject-reason", 8, Text;
}

impl Field {
    /// Looks a field up by its AWS name, accepting `-` or `_` as the separator and any
    /// letter case (`log-status`, `log_status`, `LOG-STATUS`).
    pub fn from_name(name: &str) -> Option<Field> {
        let wanted = name.trim();
        Field::ALL.iter().copied().find(|field| {
            let known = field.name().as_bytes();
            known.len() == wanted.len()
                && known.iter().zip(wanted.bytes()).all(|(&k, w)| {
                    let w = w.to_ascii_lowercase();
                    k == w || (k == b'-' && w == b'_')
                })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_accept_underscores() {
        for &field in Field::ALL {
            assert_eq!(Field::from_name(field.name()), Some(field));
            let underscored = field.name().replace('-', "_");
            assert_eq!(Field::from_name(&underscored), Some(field));
        }
        assert_eq!(Field::from_name("LOG-STATUS"), Some(Field::LogStatus));
        assert_eq!(Field::from_name("no-such-field"), None);
    }

    #[test]
    fn there_are_every_field_of_versions_2_to_8() {
        // 14 (v2) + 7 (v3) + 4 (v4) + 4 (v5) + 18 (v6) + 10 (v7) + 1 (v8), counted from
        // the table of AWS fields in docs/flow-logs.md.
        assert_eq!(Field::ALL.len(), 58);
        for v in 2..=8 {
            assert!(Field::ALL.iter().any(|f| f.version() == v), "version {v}");
        }
    }
}
